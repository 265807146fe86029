// Compatibility for building C++ against musl with Debian's libstdc++
// headers, which were configured for glibc (platforms/musl/BUILD.bazel).
//
// <mutex>, <condition_variable> and <shared_mutex> name glibc 2.30's
// waits on a chosen clock in inline members. musl has no such functions, so
// they are declared here and defined nowhere: code that calls one (a timed
// wait on std::chrono::steady_clock) fails to link instead of misbehaving.
// faultinit waits on its event loop, never on a timed condition.
#include_next <pthread.h>

#ifndef _FAULT_MUSL_PTHREAD_CLOCK
#define _FAULT_MUSL_PTHREAD_CLOCK
#ifdef __cplusplus
extern "C" {
#endif
int pthread_cond_clockwait(pthread_cond_t*, pthread_mutex_t*, clockid_t,
                           const struct timespec*);
int pthread_mutex_clocklock(pthread_mutex_t*, clockid_t,
                            const struct timespec*);
int pthread_rwlock_clockrdlock(pthread_rwlock_t*, clockid_t,
                               const struct timespec*);
int pthread_rwlock_clockwrlock(pthread_rwlock_t*, clockid_t,
                               const struct timespec*);
#ifdef __cplusplus
}
#endif
#endif
