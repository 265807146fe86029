// File: init/control/field.h
//
// How one field of the control protocol (docs/control.md) travels: the
// one escaping rule of every request and response line
// (init/control/request.h, response.h). A field is any bytes: a service
// name, a STATUS= text, a failure reason, a line of a service's output.
// On the wire a backslash is written "\\", a tab "\t" and a newline "\n";
// every other byte goes as it is. So a field never holds the tab that separates
// fields or the newline that ends a line, and decoding gives the bytes back
// exactly.
//
//   std::string wire = EscapeField(name);
//   std::optional<std::string> name = UnescapeField(wire);  // nullopt: bad
//
// Threading: pure functions; thread-safe. Not async-signal-safe
// (allocation).

#ifndef FAULT_INIT_CONTROL_FIELD_H_
#define FAULT_INIT_CONTROL_FIELD_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace faultinit::control {

// EscapeField returns `text` as it goes on the wire (see above).
std::string EscapeField(absl::string_view text);

// UnescapeField returns the bytes `wire` stands for, or nullopt when
// `wire` is not an escaped field: it holds a raw tab or newline, a
// backslash followed by anything but '\\', 't' or 'n', or a backslash at
// its end.
std::optional<std::string> UnescapeField(absl::string_view wire);

}  // namespace faultinit::control

#endif  // FAULT_INIT_CONTROL_FIELD_H_
