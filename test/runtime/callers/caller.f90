! A Fortran caller of libampfit (test/runtime/callers.test.ts):
!   caller <model> <points.bin> <n> [<momentum model> <momenta.bin> <m>]
! prints "value sigma" per point (es25.17e3), then the status and message
! of loading a path that does not exist and ampfit_n_particles of the
! coordinate model; given a momentum model, "momenta value sigma" of its m
! points with the Born 1 + i/m.
program caller
  use, intrinsic :: iso_c_binding, only: c_double
  use ampfit
  implicit none
  type(ampfit_model) :: m, missing
  character(len=4096) :: path, points, arg
  real(c_double), allocatable :: x(:, :), y(:), s(:), p(:, :, :), born(:)
  integer :: n, d, st, i, u, np

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
  st = ampfit_load(path, m)
  st = ampfit_n_particles(m, np)
  print '(a, i0, 1x, a)', 'particles ', st, ampfit_last_error()
  call ampfit_free(m)
  if (command_argument_count() == 6) then
    call get_command_argument(4, path)
    call get_command_argument(5, points)
    call get_command_argument(6, arg)
    read (arg, *) n
    st = ampfit_load(path, m)
    st = ampfit_n_particles(m, np)
    deallocate (y, s)
    allocate (p(4, np, n), born(n), y(n), s(n))
    open (newunit=u, file=trim(points), access='stream', form='unformatted', status='old')
    read (u) p
    close (u)
    do i = 1, n
      born(i) = 1 + real(i - 1, c_double) / real(n, c_double)
    end do
    st = ampfit_eval_momenta(m, p, y, born=born, sigma=s)
    print '(a, i0)', 'momenta status ', st
    do i = 1, n
      print '(a, es25.17e3, 1x, es25.17e3)', 'momenta ', y(i), s(i)
    end do
    call ampfit_free(m)
  end if
end program caller
