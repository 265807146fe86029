// File: init/system/unit_name.h
//
// Unit names: whether a unit file's name is the name of a service
// faultinit can run, and the parts of a template's and an instance's
// names.
//
// Whether a unit file's name is the name of a service faultinit can run is
// by systemd's rules (unit_name_is_valid, src/basic/unit-name.c). The
// name comes from a directory entry, which anyone who can write the
// directory controls: it reaches the log, `faultctl status` and
// `--check`, so a name systemd would refuse is refused before the file is
// read (LoadUnitDirectory), with the reason.
//
//   std::string why = UnitFileNameProblem("web.service");  // "": valid
//
// Threading: pure function; thread-safe. Not async-signal-safe
// (allocation).

#ifndef FAULT_INIT_SYSTEM_UNIT_NAME_H_
#define FAULT_INIT_SYSTEM_UNIT_NAME_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace faultinit {

// kMaxUnitNameLength: systemd's UNIT_NAME_MAX (256) less its NUL.
inline constexpr size_t kMaxUnitNameLength = 255;

// UnitFileNameProblem returns why `file_name`, a unit file's name with its
// suffix and without its directory ("web.service"), is not a valid name of
// a service faultinit can run, or "" when it is. systemd's rules: 1 to 255
// bytes; a suffix after the last '.' naming a unit type, here "service"
// (faultinit has no other); a non-empty prefix before it; before the
// suffix only A-Z a-z 0-9 ':' '_' '.' '\' '-' and '@', with the first '@'
// not the first byte. A name with nothing between its first '@' and the
// suffix ("getty@.service") is a template: a valid name in systemd, but
// not a unit that runs (its instances do, in the layout: unit_template.h),
// so it is refused too. The reason is one printable line: a byte it quotes is
// shown as \xNN.
std::string UnitFileNameProblem(absl::string_view file_name);

// Templates and instances (systemd.unit(5), "Description"; systemd's
// unit-name.c). Each takes a unit name with its type suffix, valid by
// UnitTypeOf's rules (unit_search_path.h); on another name they answer
// false or "".
//
// IsTemplateName: "getty@.service" (nothing between the first '@' and the
// suffix). IsInstanceName: "getty@tty1.service".
bool IsTemplateName(absl::string_view name);
bool IsInstanceName(absl::string_view name);
// TemplateOf: an instance's template ("getty@tty1.service" ->
// "getty@.service"); "" for a name that is not an instance.
std::string TemplateOf(absl::string_view name);
// InstanceOf: the (escaped) instance ("getty@tty1.service" -> "tty1"); ""
// for a name that is not an instance.
std::string InstanceOf(absl::string_view name);
// UnitPrefixOf: systemd's unit_name_to_prefix: the name up to its first
// '@', else up to its suffix ("getty@tty1.service" -> "getty",
// "multi-user.target" -> "multi-user").
std::string UnitPrefixOf(absl::string_view name);
// InstanceName: `template_name` ("getty@.service") with `instance`
// ("tty1"): "getty@tty1.service", or "" when `template_name` is not a
// template or the result is not a valid unit name (an instance holding a
// byte systemd's names refuse, a name over kMaxUnitNameLength).
std::string InstanceName(absl::string_view template_name,
                         absl::string_view instance);
// FillTemplate: a dependency `word` naming a template without an instance
// ("foo@.service", "foo@" for a service) becomes the instance systemd makes
// of it (unit_add_dependency_by_name): `owner`'s instance when the naming
// unit is one ("getty@tty1.service" -> "foo@tty1.service"), else `owner`'s
// prefix ("web" -> "foo@web.service"). Any other word is returned
// as it is. `owner` is named as Unit names it (a service without its
// suffix: "getty@tty1", "web"; another type with it).
std::string FillTemplate(absl::string_view word, absl::string_view owner);
// EscapeUnitNamePath: systemd's unit_name_path_escape, as the getty
// generator names a tty's instance: leading, trailing and repeated '/'
// dropped, '/' becomes '-', and a byte outside A-Z a-z 0-9 : _ . (or a
// leading '.') becomes \xNN; "/" alone is "-" ("ttyS0" -> "ttyS0",
// "3270/tty1" -> "3270-tty1").
std::string EscapeUnitNamePath(absl::string_view path);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_NAME_H_
