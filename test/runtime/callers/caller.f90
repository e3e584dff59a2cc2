! A Fortran caller of libampfit (test/runtime/callers.test.ts):
!   caller <model> <points.bin> <n>
! prints "value sigma" per point (es25.17e3), then the status and message
! of loading a path that does not exist.
program caller
  use, intrinsic :: iso_c_binding, only: c_double
  use ampfit
  implicit none
  type(ampfit_model) :: m, missing
  character(len=4096) :: path, points, arg
  real(c_double), allocatable :: x(:, :), y(:), s(:)
  integer :: n, d, st, i, u

  call get_command_argument(1, path)
  call get_command_argument(2, points)
  call get_command_argument(3, arg)
  read (arg, *) n
  st = ampfit_load(path, m)
  if (st /= AMPFIT_OK) then
    print '(a, i0, 1x, a)', 'load ', st, ampfit_last_error()
    stop 1
  end if
  st = ampfit_input_dim(m, d)
  allocate (x(d, n), y(n), s(n))
  open (newunit=u, file=trim(points), access='stream', form='unformatted', status='old')
  read (u) x
  close (u)
  st = ampfit_eval(m, x, y, s)
  print '(a, i0)', 'status ', st
  do i = 1, n
    print '(es25.17e3, 1x, es25.17e3)', y(i), s(i)
  end do
  call ampfit_free(m)
  st = ampfit_load(trim(path) // '.not-there', missing)
  print '(a, i0, 1x, a)', 'error ', st, ampfit_last_error()
  print '(a, a)', 'version ', ampfit_version()
end program caller
