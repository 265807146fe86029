// File: init/system/unit_template.h
//
// Templates and their instances in systemd's layout (systemd.unit(5),
// "Description"): a unit `NAME@INSTANCE.service` that no search directory
// holds by its own name is read from its template `NAME@.service`, under
// its own name, so that its specifiers (%i, %I, %n, %N, %p, %P, %j, %J:
// unit_specifiers.h) take the instance's values, and with the drop-ins of
// both names (unit_dropins.h: `NAME@.service.d/` then
// `NAME@INSTANCE.service.d/`... in systemd's order).
//
//   std::optional<InstanceFile> file = FindInstanceFile(path,
//   "getty@tty1.service"); file->file->path;        // .../getty@.service
//   file->from_template;     // true: no getty@tty1.service of its own
//
//   - an instance's own file (or a link of its own name) wins over the
//     template, whole; a masked instance name is masked, and so is every
//     instance of a masked template;
//   - which instances exist: those a loaded unit names (Wants=, Requires=,
//     After=... an instance), the entries named NAME@INSTANCE.service of
//     any NAME.wants/ or NAME.requires/ directory (the links `systemctl
//     enable getty@tty1.service` makes, pointing at the template), the
//     instances entries named NAME@.service there stand for (TemplateLink),
//     those a
//     generator adds (getty_generator.h) and those started on demand
//     (`faultctl start NAME@INSTANCE.service`): LayoutInstances, given to
//     LoadUnitLayout (unit_layout.h). Sockets with Accept=yes instantiate
//     through the same function.
//
// Thread safety: pure functions (FindInstanceFile reads no file,
// DependencyDirectoryInstances reads directories); thread-safe, not
// async-signal-safe.

#ifndef FAULT_INIT_SYSTEM_UNIT_TEMPLATE_H_
#define FAULT_INIT_SYSTEM_UNIT_TEMPLATE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "init/system/unit_search_path.h"

namespace faultinit {

// GeneratedUnit: a unit a generator makes with no file of its own (as
// systemd's generators write theirs to /run/systemd/generator/): read
// where no search directory has a file of its name (a file, or a mask,
// wins).
struct GeneratedUnit {
  std::string name;       // with its suffix: "remote-mount-mnt-nfs.service"
  std::string text;       // the unit file's text
  std::string wanted_by;  // the unit that pulls it in: "remote-fs.target"
  // wanted_by Requires= it (its failure fails wanted_by's start) instead
  // of Wants= it.
  bool required = false;
};

// LayoutInstances: what the layout instantiates besides what its units
// name (LoadUnitLayout's argument).
struct LayoutInstances {
  // Instances to load whether or not anything names them (with their
  // suffix): those started on demand; and socket units ("x.socket") loaded
  // on demand, read into LoadedUnits::sockets. Other names are passed over
  // here (system mode lists the units it loaded on demand too, for
  // needed_units.h).
  std::vector<std::string> load;
  // Names a generator adds to a unit's Wants= (with their suffix):
  // {"getty.target", {"serial-getty@ttyAMA0.service"}}, as a generator's
  // link in /run/systemd/generator/getty.target.wants/ would.
  std::map<std::string, std::vector<std::string>> wants;
  // Services a generator makes (fstab_units.h), each wanted (or
  // required) by its wanted_by.
  std::vector<GeneratedUnit> generated;
};

// InstanceFile: where an instance is read from.
struct InstanceFile {
  const UnitFile* file = nullptr;  // kFile or kMasked
  bool from_template = false;      // the template's file, not its own
};

// FindInstanceFile returns the file of `name` (an instance, with its
// suffix): its own entry when a search directory has one (followed through
// aliases), else its template's; nullopt when neither exists, or `name` is
// not an instance.
std::optional<InstanceFile> FindInstanceFile(const UnitSearchPath& path,
                                             absl::string_view name);

// TemplateLink: an entry of a NAME.wants/ or NAME.requires/ directory
// naming a template without an instance (`multi-user.target.wants/
// getty@.service`). systemd's manager reads it as it reads Wants=getty@.service
// of NAME (unit_name.h's FillTemplate: NAME's instance, else its prefix,
// here getty@multi-user.service); DefaultInstance= plays no part (it names
// the link `systemctl enable` makes).
struct TemplateLink {
  std::string path;      // the link
  std::string instance;  // what it names; "" when no valid name results
};

// DependencyDirectoryInstances returns the instance names (with their
// suffix) that are entries of a *.wants/ or *.requires/ directory of any
// of `search_path`'s directories, and those its template entries name
// (TemplateLink), sorted, each once; masked entries are left out.
// `template_links`, when given, gets each template entry.
std::vector<std::string> DependencyDirectoryInstances(
    const std::vector<std::string>& search_path,
    std::vector<TemplateLink>* template_links = nullptr);

}  // namespace faultinit

#endif  // FAULT_INIT_SYSTEM_UNIT_TEMPLATE_H_
