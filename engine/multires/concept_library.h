#pragma once
// A folder of concept files, <name>.safetensors each. The file name is the concept's
// identity: prompts write <name>, and loading a file sets the concept's name to its file
// stem even when the metadata says otherwise (a file renamed by hand still works; the
// listing reports the disagreement). Every write is atomic, so a crash never leaves a
// broken or missing concept.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "multires/concept.h"
#include "multires/concept_ref.h"

namespace mrti {

struct ConceptEntry {
  std::string name;  // file stem
  std::string path;
  int64_t num_scales = 0, vectors_per_token = 0, token_dim = 0;
  std::string base_model, init_token, created;
  int64_t train_steps = 0;
  bool has_thumbnail = false;
  std::string error;    // non-empty: the file could not be read; this says why
  std::string warning;  // e.g. metadata name differs from the file name
  bool ok() const { return error.empty(); }
};

// Concepts by name, as prompts refer to them.
using ConceptSet = std::map<std::string, Concept>;
// Concept name -> number of scales N: all the prompt parser needs.
ConceptScales scales_of(const ConceptSet& concepts);

class ConceptLibrary {
 public:
  // `create`: make the folder when it does not exist; otherwise a missing folder is an error.
  explicit ConceptLibrary(std::string dir, bool create = true);

  const std::string& dir() const { return dir_; }
  std::string path_of(const std::string& name) const;  // dir/name.safetensors (exists or not)
  bool contains(const std::string& name) const;

  // Every *.safetensors file in the folder, sorted by name; a file that cannot be read
  // is listed with its error rather than skipped.
  std::vector<ConceptEntry> list() const;
  // Names and scale counts of the readable concepts.
  ConceptScales scales() const;

  // Throws mrti::Error for an unknown name (listing the known ones) or a broken file.
  Concept load(const std::string& name) const;
  // Loads the named concepts (each once).
  ConceptSet load_all(const std::vector<std::string>& names) const;

  // Writes concept.name's file. Refuses an invalid name, and an existing concept (or
  // one whose name differs only in letter case) unless `overwrite`. Returns the path.
  std::string save(const Concept& concept, bool overwrite = false) const;
  // Throws what save(concept named `name`, overwrite) would, writing nothing: so a
  // caller can refuse before hours of work rather than after.
  void check_save(const std::string& name, bool overwrite = false) const;
  // The name of the concept whose file `path` is (compared as canonical paths), or "".
  std::string concept_at(const std::string& path) const;
  // Refuses `path` as the target of an export of `name` when it is a concept's file:
  // the export (one resolution, not a concept) would destroy it, whatever the caller's
  // wish to replace files.
  void check_export_path(const std::string& name, const std::string& path) const;
  // Renames file and metadata name together; refuses an unknown `from`, an invalid or
  // already used `to`. The new file is written (atomically) before the old one goes.
  void rename(const std::string& from, const std::string& to) const;
  // Removes the concept's file; unknown names throw.
  void remove(const std::string& name) const;

 private:
  void require_exists(const std::string& name) const;
  std::string case_clash(const std::string& name, const std::string& except = "") const;
  std::string dir_;
};

}  // namespace mrti
