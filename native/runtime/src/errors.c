/* The per-thread message of the last failed call, versions, point codes. */
#include <stdarg.h>
#include <stdio.h>
#include "internal.h"

#ifndef AMPFIT_VERSION_STRING
#define AMPFIT_VERSION_STRING "unknown"
#endif

/* Thread-local so that threads sharing a handle never see each other's messages. */
static _Thread_local char last_error[2048];

int amp_fail(int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, ap);
  va_end(ap);
  return status;
}

void amp_clear_error(void) { last_error[0] = '\0'; }

const char *ampfit_last_error(void) { return last_error; }

const char *ampfit_version(void) { return AMPFIT_VERSION_STRING; }

int ampfit_abi_version(void) { return AMPFIT_ABI_VERSION; }

const char *ampfit_point_strerror(int code) {
  switch (code) {
    case AMPFIT_POINT_OK: return "inside the model's domain";
    case AMPFIT_POINT_NOT_FINITE: return "an input is NaN or infinite";
    case AMPFIT_POINT_OUTSIDE: return "a coordinate is outside the model's trained input domain";
    case AMPFIT_POINT_BAD_MOMENTA:
      return "the momenta fail ampfit predict's physics checks (an energy not positive, s-hat <= 0, momentum not conserved "
             "to the training tolerance, or a pair invariant not positive whose log is a feature)";
    default: return "unknown point code";
  }
}
