#include "multires/concept_library.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "runtime/ascii_lower.h"
#include "runtime/error.h"

namespace mrti {
namespace fs = std::filesystem;

ConceptScales scales_of(const ConceptSet& concepts) {
  ConceptScales s;
  for (const auto& [name, c] : concepts) s[name] = c.num_scales();
  return s;
}

ConceptLibrary::ConceptLibrary(std::string dir, bool create) : dir_(std::move(dir)) {
  if (dir_.empty()) throw Error("no concept library folder given");
  std::error_code ec;
  if (fs::is_directory(dir_, ec)) return;
  if (fs::exists(dir_, ec)) throw Error("concept library '" + dir_ + "' is not a folder");
  if (!create) throw Error("concept library folder '" + dir_ + "' does not exist");
  fs::create_directories(dir_, ec);
  if (ec) throw Error("cannot create the concept library folder '" + dir_ + "': " + ec.message());
}

std::string ConceptLibrary::path_of(const std::string& name) const {
  return (fs::path(dir_) / (name + ".safetensors")).string();
}

bool ConceptLibrary::contains(const std::string& name) const {
  std::error_code ec;
  return is_valid_concept_name(name) && fs::is_regular_file(path_of(name), ec);
}

std::vector<ConceptEntry> ConceptLibrary::list() const {
  std::vector<ConceptEntry> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (e.path().extension() != ".safetensors") continue;
    const std::string stem = e.path().stem().string();
    if (stem.rfind('.', 0) == 0) continue;  // hidden files, temporaries of atomic writes
    ConceptEntry entry;
    entry.name = stem;
    entry.path = e.path().string();
    try {
      const std::string bad_name = concept_name_problem(stem);
      if (!bad_name.empty()) throw Error(bad_name + "; rename the file");
      std::string name_in_file;
      const Concept c = load_concept(entry.path, stem, &name_in_file);
      entry.num_scales = c.num_scales();
      entry.vectors_per_token = c.vectors_per_token();
      entry.token_dim = c.token_dim();
      entry.base_model = c.base_model;
      entry.init_token = c.init_token;
      entry.created = c.created;
      entry.train_steps = c.train_steps;
      entry.has_thumbnail = c.thumbnail.defined();
      if (!name_in_file.empty() && name_in_file != stem)
        entry.warning = "metadata names it '" + name_in_file + "'; prompts use the file name '" + stem +
                        "' (renaming it rewrites the metadata)";
    } catch (const std::exception& ex) {
      entry.error = ex.what();
    }
    out.push_back(std::move(entry));
  }
  if (ec) throw Error("cannot read the concept library folder '" + dir_ + "': " + ec.message());
  std::sort(out.begin(), out.end(), [](const ConceptEntry& a, const ConceptEntry& b) { return a.name < b.name; });
  return out;
}

ConceptScales ConceptLibrary::scales() const {
  ConceptScales s;
  for (const auto& e : list())
    if (e.ok()) s[e.name] = e.num_scales;
  return s;
}

void ConceptLibrary::require_exists(const std::string& name) const {
  const std::string problem = concept_name_problem(name);
  if (!problem.empty()) throw Error(problem);
  if (contains(name)) return;
  std::string known;
  for (const auto& e : list())
    if (e.ok()) known += (known.empty() ? "" : ", ") + e.name;
  throw Error("no concept named '" + name + "' in the library '" + dir_ + "'" +
              (known.empty() ? std::string(" (it holds no concepts)") : "; it holds: " + known));
}

Concept ConceptLibrary::load(const std::string& name) const {
  require_exists(name);
  return load_concept(path_of(name), name);
}

ConceptSet ConceptLibrary::load_all(const std::vector<std::string>& names) const {
  ConceptSet set;
  for (const auto& n : names)
    if (!set.count(n)) set.emplace(n, load(n));
  return set;
}

std::string ConceptLibrary::case_clash(const std::string& name, const std::string& except) const {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (e.path().extension() != ".safetensors") continue;
    const std::string stem = e.path().stem().string();
    if (stem != name && stem != except && ascii_lower(stem) == ascii_lower(name)) return stem;
  }
  return {};
}

void ConceptLibrary::check_save(const std::string& name, bool overwrite) const {
  const std::string problem = concept_name_problem(name);
  if (!problem.empty()) throw Error(problem);
  if (!overwrite && contains(name))
    throw Error("the library '" + dir_ + "' already has a concept named '" + name +
                "': choose another name, or pass --force to replace it");
  const std::string clash = case_clash(name);
  if (!clash.empty())
    throw Error("the library already has a concept '" + clash + "' whose name differs from '" + name +
                "' only in letter case; choose a clearly different name");
}

std::string ConceptLibrary::concept_at(const std::string& path) const {
  std::error_code ec, dir_ec;
  const fs::path file = fs::weakly_canonical(path, ec);
  const fs::path dir = fs::weakly_canonical(dir_, dir_ec);
  if (ec || dir_ec || file.parent_path() != dir || file.extension() != ".safetensors") return {};
  // Any .safetensors file here is listed as a concept, even a broken one.
  return fs::exists(file, ec) ? file.stem().string() : std::string();
}

void ConceptLibrary::check_export_path(const std::string& name, const std::string& path) const {
  const std::string clobbered = concept_at(path);
  if (clobbered == name)
    throw Error("'" + path + "' is the file of the concept '" + name +
                "' itself: exporting there would replace the concept with one of its resolutions; choose another file");
  if (!clobbered.empty())
    throw Error("'" + path + "' is the file of the library's concept '" + clobbered +
                "': exporting there would destroy it; choose another file");
}

std::string ConceptLibrary::save(const Concept& concept, bool overwrite) const {
  check_save(concept.name, overwrite);
  const std::string path = path_of(concept.name);
  save_concept(path, concept);
  return path;
}

void ConceptLibrary::rename(const std::string& from, const std::string& to) const {
  require_exists(from);
  const std::string problem = concept_name_problem(to);
  if (!problem.empty()) throw Error(problem);
  if (from == to) return;
  if (contains(to)) throw Error("cannot rename '" + from + "' to '" + to + "': a concept named '" + to + "' exists");
  const std::string clash = case_clash(to, from);
  if (!clash.empty())
    throw Error("cannot rename '" + from + "' to '" + to + "': concept '" + clash +
                "' differs from it only in letter case");
  Concept c = load(from);
  c.name = to;
  // A name that differs from `from` only in case is the same file on some file systems:
  // write under a temporary name first, so the old file is never removed before the new
  // one exists.
  const std::string to_path = path_of(to);
  if (ascii_lower(from) == ascii_lower(to)) {
    const std::string tmp = (fs::path(dir_) / (".rename-" + to + ".safetensors")).string();
    save_concept(tmp, c);
    std::error_code ec;
    fs::remove(path_of(from), ec);
    fs::rename(tmp, to_path, ec);
    if (ec) throw Error("cannot rename '" + tmp + "' to '" + to_path + "': " + ec.message());
    return;
  }
  save_concept(to_path, c);
  std::error_code ec;
  fs::remove(path_of(from), ec);
  if (ec) throw Error("wrote '" + to_path + "' but cannot remove '" + path_of(from) + "': " + ec.message());
}

void ConceptLibrary::remove(const std::string& name) const {
  require_exists(name);
  std::error_code ec;
  fs::remove(path_of(name), ec);
  if (ec) throw Error("cannot remove '" + path_of(name) + "': " + ec.message());
}

}  // namespace mrti
