// faultctl: the control client of a running faultinit (init/ctl/faultctl.h).

#include "init/ctl/faultctl.h"

int main(int argc, char** argv, char** envp) {
  faultinit::faultctl::Run(argc, argv, envp);
}
