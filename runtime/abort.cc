#include "runtime/abort.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

namespace fault {

void Abort() {
  sigset_t abrt;
  sigemptyset(&abrt);
  sigaddset(&abrt, SIGABRT);
  pthread_sigmask(SIG_UNBLOCK, &abrt, nullptr);
  abort();
}

}  // namespace fault
