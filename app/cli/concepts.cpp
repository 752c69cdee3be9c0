// mrti concepts: the concept library on disk (list, show, import, export, rename, rm).
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "cli/cli_files.h"
#include "cli/commands.h"
#include "multires/concept_library.h"
#include "multires/exporters.h"
#include "multires/importers.h"
#include "runtime/error.h"

namespace mrti::cli {
namespace {

struct ConceptsArgs {
  std::string library, name, new_name, from_original, from_embedding, out;
  int64_t num_scales = 10, resolution = 0;
  bool json = false, force = false;
};

void print_list(const ConceptsArgs& a) {
  const ConceptLibrary lib(a.library, false);
  const auto entries = lib.list();
  if (a.json) {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& e : entries) {
      nlohmann::ordered_json j;
      j["name"] = e.name;
      j["path"] = e.path;
      if (e.ok()) {
        j["num_scales"] = e.num_scales;
        j["vectors_per_token"] = e.vectors_per_token;
        j["token_dim"] = e.token_dim;
        j["base_model"] = e.base_model;
        j["has_thumbnail"] = e.has_thumbnail;
      } else {
        j["error"] = e.error;
      }
      if (!e.warning.empty()) j["warning"] = e.warning;
      arr.push_back(j);
    }
    std::cout << arr.dump(2) << "\n";
    return;
  }
  if (entries.empty()) {
    std::cout << "no concepts in " << lib.dir() << "\n";
    return;
  }
  std::printf("%-24s %4s %3s %5s  %-5s  %-20s %s\n", "name", "N", "V", "d", "thumb", "base model", "file");
  for (const auto& e : entries) {
    if (!e.ok()) {
      std::printf("%-24s  BROKEN: %s\n", e.name.c_str(), e.error.c_str());
      continue;
    }
    std::printf("%-24s %4lld %3lld %5lld  %-5s  %-20s %s\n", e.name.c_str(), static_cast<long long>(e.num_scales),
                static_cast<long long>(e.vectors_per_token), static_cast<long long>(e.token_dim),
                e.has_thumbnail ? "yes" : "no", e.base_model.empty() ? "-" : e.base_model.c_str(), e.path.c_str());
    if (!e.warning.empty()) std::printf("%-24s  note: %s\n", "", e.warning.c_str());
  }
}

void print_show(const ConceptsArgs& a) {
  const ConceptLibrary lib(a.library, false);
  const Concept c = lib.load(a.name);
  const auto meta = concept_metadata(c);
  std::cout << "concept " << c.name << " (" << lib.path_of(c.name) << ")\n";
  for (const auto& [k, v] : meta) std::cout << "  " << k << ": " << (v.empty() ? "-" : v) << "\n";
  if (c.thumbnail.defined())
    std::cout << "  thumbnail: " << c.thumbnail.size(1) << "x" << c.thumbnail.size(0) << "\n";
  std::cout << "per-scale norms (scale 0 = finest details, " << c.num_scales() - 1 << " = coarsest):\n";
  const auto norms = c.embeddings.norm(2, {2});  // [N, V]
  for (int64_t k = 0; k < c.num_scales(); ++k) {
    std::cout << "  " << (k < 10 ? " " : "") << k << ":";
    for (int64_t v = 0; v < c.vectors_per_token(); ++v) {
      char buf[32];
      std::snprintf(buf, sizeof buf, " %.4f", norms[k][v].item<double>());
      std::cout << buf;
    }
    std::cout << "\n";
  }
}

void run_import(const ConceptsArgs& a) {
  if (a.from_original.empty() == a.from_embedding.empty())
    throw Error("give exactly one of --from-original DIR or --from-embedding FILE");
  const ConceptLibrary lib(a.library, true);
  ImportedConcept imp = a.from_original.empty() ? import_embedding_file(a.from_embedding, a.name)
                                                : import_original_concept(a.from_original, a.name, a.num_scales);
  const std::string path = lib.save(imp.concept, a.force);
  for (const auto& n : imp.notes) std::cerr << "note: " << n << "\n";
  std::cout << "imported '" << imp.concept.name << "' (" << imp.source_format << ", N=" << imp.concept.num_scales()
            << ", V=" << imp.concept.vectors_per_token() << ", d=" << imp.concept.token_dim() << ") to " << path << "\n";
}

void run_export(const ConceptsArgs& a) {
  const ConceptLibrary lib(a.library, false);
  const Concept c = lib.load(a.name);
  // Never over a concept (not even with --force), over another file only with --force.
  lib.check_export_path(a.name, a.out);
  refuse_existing_file(a.out, a.force);
  export_embedding(c, a.resolution, a.out);
  std::cout << "wrote resolution " << a.resolution << " of '" << c.name << "' to " << a.out << "\n";
}

CLI::App* with_library(CLI::App* cmd, ConceptsArgs& a) {
  cmd->add_option("--library", a.library, "Concept library folder")->required();
  return cmd;
}

}  // namespace

void add_concepts(CLI::App& app) {
  auto a = std::make_shared<ConceptsArgs>();
  auto* cmd = app.add_subcommand("concepts", "Manage a folder of multiresolution concepts");
  cmd->require_subcommand(1);

  auto* list = with_library(cmd->add_subcommand("list", "List the concepts (broken files with their error)"), *a);
  list->add_flag("--json", a->json, "Print JSON");
  list->callback([a] { print_list(*a); });

  auto* show = with_library(cmd->add_subcommand("show", "Print a concept's metadata and per-scale norms"), *a);
  show->add_option("name", a->name, "Concept name")->required();
  show->callback([a] { print_show(*a); });

  auto* imp = with_library(cmd->add_subcommand("import", "Add a concept from another tool's files"), *a);
  imp->add_option("--from-original", a->from_original,
                  "Folder of the original repository's layout: <name>/text_encoder/pytorch_model.bin");
  imp->add_option("--from-embedding", a->from_embedding,
                  "diffusers learned_embeds.bin/.safetensors or AUTOMATIC1111 .pt/.safetensors embedding");
  imp->add_option("--name", a->name, "Concept name (default: the folder, token or file name)");
  imp->add_option("--num-scales", a->num_scales, "Learned scales in an original-layout concept")->capture_default_str();
  imp->add_flag("--force", a->force, "Replace an existing concept of the same name");
  imp->callback([a] { run_import(*a); });

  auto* exp = with_library(cmd->add_subcommand("export", "Write one resolution as a standard embedding"), *a);
  exp->add_option("name", a->name, "Concept name")->required();
  exp->add_option("--resolution", a->resolution, "Scale index k to export")->required();
  exp->add_option("--out", a->out, "Output: .safetensors / .pt (AUTOMATIC1111) or .bin (diffusers)")->required();
  exp->add_flag("--force", a->force, "Replace an existing file (never a concept of the library)");
  exp->callback([a] { run_export(*a); });

  auto* ren = with_library(cmd->add_subcommand("rename", "Rename a concept (file and metadata)"), *a);
  ren->add_option("name", a->name, "Current name")->required();
  ren->add_option("new_name", a->new_name, "New name")->required();
  ren->callback([a] {
    ConceptLibrary(a->library, false).rename(a->name, a->new_name);
    std::cout << "renamed '" << a->name << "' to '" << a->new_name << "'\n";
  });

  auto* rm = with_library(cmd->add_subcommand("rm", "Delete a concept"), *a);
  rm->add_option("name", a->name, "Concept name")->required();
  rm->callback([a] {
    ConceptLibrary(a->library, false).remove(a->name);
    std::cout << "removed '" << a->name << "'\n";
  });
}

}  // namespace mrti::cli
