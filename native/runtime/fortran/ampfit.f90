! libampfit for Fortran 2003+ (iso_c_binding over include/ampfit.h).
!
!   use ampfit
!   type(ampfit_model) :: m
!   real(c_double) :: x(d, n), y(n), s(n)       ! one point per column
!   if (ampfit_load('run/model.ampfit', m) /= AMPFIT_OK) print *, ampfit_last_error()
!   st = ampfit_eval(m, x, y)                  ! or ampfit_eval(m, x, y, s) for σ
!   call ampfit_free(m)
!
! A column of x(d, n) is one point: Fortran's column-major x(d, n) has the
! memory layout of C's row-major x[n][d], so arrays pass without a copy.
! Strings: paths go to C with a trailing NUL (trailing blanks trimmed);
! messages come back as allocatable character(:) of the C string's length.
! Functions return the C status (AMPFIT_OK = 0) instead of stopping, so a
! generator decides what an error means.
module ampfit
  use, intrinsic :: iso_c_binding, only: c_ptr, c_null_ptr, c_null_char, c_char, c_int, c_size_t, c_double, &
                                         c_associated, c_f_pointer, c_loc
  implicit none
  private

  integer, parameter, public :: AMPFIT_OK = 0, AMPFIT_ERR_IO = 1, AMPFIT_ERR_FORMAT = 2, AMPFIT_ERR_CHECKSUM = 3, &
                                AMPFIT_ERR_UNSUPPORTED = 4, AMPFIT_ERR_ARGUMENT = 5, AMPFIT_ERR_MEMORY = 6, &
                                AMPFIT_ERR_DOMAIN = 7, AMPFIT_ERR_CALLBACK = 8

  type, public :: ampfit_model
    type(c_ptr) :: h = c_null_ptr
  end type ampfit_model

  public :: ampfit_load, ampfit_free, ampfit_input_dim, ampfit_has_sigma, ampfit_eval, ampfit_check, &
            ampfit_n_particles, ampfit_eval_momenta, ampfit_last_error, ampfit_version

  interface
    integer(c_int) function c_load(path, out) bind(C, name='ampfit_load')
      import :: c_char, c_ptr, c_int
      character(kind=c_char), dimension(*), intent(in) :: path
      type(c_ptr), intent(out) :: out
    end function c_load
    subroutine c_free(m) bind(C, name='ampfit_free')
      import :: c_ptr
      type(c_ptr), value :: m
    end subroutine c_free
    integer(c_int) function c_input_dim(m, d) bind(C, name='ampfit_input_dim')
      import :: c_ptr, c_int, c_size_t
      type(c_ptr), value :: m
      integer(c_size_t), intent(out) :: d
    end function c_input_dim
    integer(c_int) function c_has_sigma(m, s) bind(C, name='ampfit_has_sigma')
      import :: c_ptr, c_int
      type(c_ptr), value :: m
      integer(c_int), intent(out) :: s
    end function c_has_sigma
    integer(c_int) function c_eval(m, x, n, out, sigma) bind(C, name='ampfit_eval')
      import :: c_ptr, c_int, c_size_t, c_double
      type(c_ptr), value :: m
      real(c_double), dimension(*), intent(in) :: x
      integer(c_size_t), value :: n
      real(c_double), dimension(*), intent(out) :: out
      type(c_ptr), value :: sigma
    end function c_eval
    integer(c_int) function c_n_particles(m, k) bind(C, name='ampfit_n_particles')
      import :: c_ptr, c_int, c_size_t
      type(c_ptr), value :: m
      integer(c_size_t), intent(out) :: k
    end function c_n_particles
    integer(c_int) function c_eval_momenta(m, p, n, born, out, sigma) bind(C, name='ampfit_eval_momenta')
      import :: c_ptr, c_int, c_size_t, c_double
      type(c_ptr), value :: m
      real(c_double), dimension(*), intent(in) :: p
      integer(c_size_t), value :: n
      type(c_ptr), value :: born
      real(c_double), dimension(*), intent(out) :: out
      type(c_ptr), value :: sigma
    end function c_eval_momenta
    integer(c_int) function c_check(m, x, n, codes) bind(C, name='ampfit_check')
      import :: c_ptr, c_int, c_size_t, c_double
      type(c_ptr), value :: m
      real(c_double), dimension(*), intent(in) :: x
      integer(c_size_t), value :: n
      integer(c_int), dimension(*), intent(out) :: codes
    end function c_check
    type(c_ptr) function c_last_error() bind(C, name='ampfit_last_error')
      import :: c_ptr
    end function c_last_error
    type(c_ptr) function c_version() bind(C, name='ampfit_version')
      import :: c_ptr
    end function c_version
    integer(c_size_t) function c_strlen(s) bind(C, name='strlen')
      import :: c_ptr, c_size_t
      type(c_ptr), value :: s
    end function c_strlen
  end interface

contains

  integer function ampfit_load(path, model) result(status)
    character(len=*), intent(in) :: path
    type(ampfit_model), intent(out) :: model
    status = int(c_load(trim(path) // c_null_char, model%h))
  end function ampfit_load

  subroutine ampfit_free(model)
    type(ampfit_model), intent(inout) :: model
    call c_free(model%h)
    model%h = c_null_ptr
  end subroutine ampfit_free

  integer function ampfit_input_dim(model, dim) result(status)
    type(ampfit_model), intent(in) :: model
    integer, intent(out) :: dim
    integer(c_size_t) :: d
    status = int(c_input_dim(model%h, d))
    dim = int(d)
  end function ampfit_input_dim

  integer function ampfit_has_sigma(model, has_sigma) result(status)
    type(ampfit_model), intent(in) :: model
    logical, intent(out) :: has_sigma
    integer(c_int) :: s
    status = int(c_has_sigma(model%h, s))
    has_sigma = s /= 0
  end function ampfit_has_sigma

  ! x(input_dim, n): one point per column; out(n); sigma(n) optional.
  integer function ampfit_eval(model, x, out, sigma) result(status)
    type(ampfit_model), intent(in) :: model
    real(c_double), intent(in), contiguous :: x(:, :)
    real(c_double), intent(out), contiguous :: out(:)
    real(c_double), intent(out), contiguous, target, optional :: sigma(:)
    type(c_ptr) :: s
    if (size(out) /= size(x, 2)) then
      status = AMPFIT_ERR_ARGUMENT
      return
    end if
    s = c_null_ptr
    if (present(sigma)) then
      if (size(sigma) /= size(out)) then
        status = AMPFIT_ERR_ARGUMENT
        return
      end if
      if (size(sigma) > 0) s = c_loc(sigma(1))
    end if
    status = int(c_eval(model%h, x, int(size(out), c_size_t), out, s))
  end function ampfit_eval

  integer function ampfit_n_particles(model, n_particles) result(status)
    type(ampfit_model), intent(in) :: model
    integer, intent(out) :: n_particles
    integer(c_size_t) :: k
    k = 0
    status = int(c_n_particles(model%h, k))
    n_particles = int(k)
  end function ampfit_n_particles

  ! p(4, n_particles, n): (E, px, py, pz) of each particle of each point;
  ! born(n) for a Born-normalised model (else absent); out(n); sigma(n) optional.
  integer function ampfit_eval_momenta(model, p, out, born, sigma) result(status)
    type(ampfit_model), intent(in) :: model
    real(c_double), intent(in), contiguous :: p(:, :, :)
    real(c_double), intent(out), contiguous :: out(:)
    real(c_double), intent(in), contiguous, target, optional :: born(:)
    real(c_double), intent(out), contiguous, target, optional :: sigma(:)
    type(c_ptr) :: b, s
    b = c_null_ptr
    s = c_null_ptr
    status = AMPFIT_ERR_ARGUMENT
    if (size(p, 1) /= 4 .or. size(p, 3) /= size(out)) return
    if (present(born)) then
      if (size(born) /= size(out)) return
      if (size(born) > 0) b = c_loc(born(1))
    end if
    if (present(sigma)) then
      if (size(sigma) /= size(out)) return
      if (size(sigma) > 0) s = c_loc(sigma(1))
    end if
    status = int(c_eval_momenta(model%h, p, int(size(out), c_size_t), b, out, s))
  end function ampfit_eval_momenta

  integer function ampfit_check(model, x, codes) result(status)
    type(ampfit_model), intent(in) :: model
    real(c_double), intent(in), contiguous :: x(:, :)
    integer(c_int), intent(out), contiguous :: codes(:)
    if (size(codes) /= size(x, 2)) then
      status = AMPFIT_ERR_ARGUMENT
      return
    end if
    status = int(c_check(model%h, x, int(size(codes), c_size_t), codes))
  end function ampfit_check

  ! The calling thread's message of its last failed call ('' if none).
  function ampfit_last_error() result(message)
    character(len=:), allocatable :: message
    message = from_c(c_last_error())
  end function ampfit_last_error

  function ampfit_version() result(v)
    character(len=:), allocatable :: v
    v = from_c(c_version())
  end function ampfit_version

  function from_c(p) result(s)
    type(c_ptr), intent(in) :: p
    character(len=:), allocatable :: s
    character(kind=c_char), pointer :: chars(:)
    integer :: i, n
    if (.not. c_associated(p)) then
      s = ''
      return
    end if
    n = int(c_strlen(p))
    call c_f_pointer(p, chars, [n])
    allocate(character(len=n) :: s)
    do i = 1, n
      s(i:i) = chars(i)
    end do
  end function from_c

end module ampfit
