// File: init/system/testing/service_lines.h
//
// The keys' tests parse one service's [Service] lines: ParseServiceLines
// is ParseUnit of /srv/units/web.service whose file is
// "[Service]\nExecStart=/bin/true\n" then `service_lines`;
// ServiceLinesError is the message of the last diagnostic of a parse that
// must fail (a test failure when it does not; "" without a diagnostic).
// Test only.

#ifndef FAULT_INIT_SYSTEM_TESTING_SERVICE_LINES_H_
#define FAULT_INIT_SYSTEM_TESTING_SERVICE_LINES_H_

#include <string>

#include "init/system/unit.h"

namespace faultinit::testing {

ParsedUnit ParseServiceLines(const std::string& service_lines);
std::string ServiceLinesError(const std::string& service_lines);

}  // namespace faultinit::testing

#endif  // FAULT_INIT_SYSTEM_TESTING_SERVICE_LINES_H_
