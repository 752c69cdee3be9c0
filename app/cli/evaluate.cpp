// mrti evaluate shapes / concept: how well a model trained on the shapes dataset draws
// captions, and how a concept's detail and coarse identity change with its resolution.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cli_common.h"
#include "cli/cli_files.h"
#include "cli/commands.h"
#include "imaging/grid.h"
#include "imaging/line_chart.h"
#include "imaging/png_io.h"
#include "models/generation_defaults.h"
#include "multires/concept_library.h"
#include "runtime/atomic_file.h"
#include "runtime/cpu_setup.h"
#include "runtime/error.h"
#include "training/shapes_evaluation.h"

namespace mrti::cli {
namespace fs = std::filesystem;

namespace {

struct EvalArgs {
  std::string model, captions = "held-out", out, device = "auto";
  int seeds = 2, threads = 0, deep_cache = 1;
  double guidance = -1;  // < 0: the model's own default
  double tome = 0;
  int64_t first_seed = 0;
  bool force = false;
  bool int8 = false;
};

struct ConceptEvalArgs {
  std::string model, concepts, concept, colour, shape, detail_colour, out;
  std::vector<std::string> prompts;  // empty: every background other than the concept's colours
  std::string forms = "fixed,fully,semi", device = "auto";
  int seeds = 32, threads = 0;
  double guidance = -1;
  int64_t first_seed = 1000;
  bool force = false;
};

// What `mrti evaluate` writes into its --out folder (or a temporary of it): a rerun into
// its own folder replaces those, but anything else there is someone else's.
bool evaluation_file(const std::string& name) {
  const std::string n = name.substr(0, name.find(".tmp-"));
  const bool sweep = n.rfind("sweep-", 0) == 0 && n.size() > 10 && n.compare(n.size() - 4, 4, ".png") == 0;
  return sweep || n == "verdicts.csv" || n == "pictures.png" || n == "detail.csv" || n == "detail.md" ||
         n == "curve.png";
}

TextToImageRequest default_request(const std::string& model_path, double guidance) {
  const GenerationDefaults d = generation_defaults(model_path);
  TextToImageRequest r;
  r.width = d.width;
  r.height = d.height;
  r.steps = d.steps;
  r.guidance = guidance >= 0 ? guidance : d.guidance;
  return r;
}

std::vector<ShapeCaption> read_captions(const std::string& which) {
  if (which == "held-out") return held_out_shape_captions();
  if (which == "all") return all_shape_captions();
  std::ifstream in(which);
  if (!in) throw Error("--captions: 'held-out', 'all' or a file of captions, one per line; '" + which + "' is none");
  std::vector<ShapeCaption> out;
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto c = parse_shape_caption(line);
    if (!c) throw Error("'" + which + "': not a caption of the shapes grammar: '" + line + "'");
    out.push_back(*c);
  }
  return out;
}

std::string percent(int n, int d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", d ? 100.0 * n / d : 0.0);
  return buf;
}

void run_eval_shapes(const EvalArgs& a) {
  configure_threads(a.threads);
  if (!a.out.empty()) refuse_foreign_folder(a.out, a.force, evaluation_file);
  const auto captions = read_captions(a.captions);
  const std::string path = model_or_shipped(a.model);
  auto model = load_model_for_cli(path, a.device, "fp32", "", false, a.int8);
  TextToImageRequest base = default_request(path, a.guidance);
  base.deep_cache_interval = a.deep_cache;
  base.token_merge_ratio = a.tome;
  ProgressBar bar("evaluate", "");
  const auto e = evaluate_shape_captions(model, captions, a.seeds, a.first_seed, base,
                                         [&](int done, int total) { bar.update(done, total); });
  bar.finish();
  const auto& s = e.score;
  std::cout << s.images << " pictures of " << captions.size() << " captions (" << base.width << "x" << base.height
            << ", " << base.steps << " steps, guidance " << base.guidance << ")\n"
            << "foreground colour " << percent(s.foreground, s.images) << "\nbackground colour "
            << percent(s.background, s.images) << "\nshape " << percent(s.shape, s.images) << "\nall three "
            << percent(s.all, s.images) << "\n";
  if (!a.out.empty()) {
    fs::create_directories(a.out);
    std::vector<Image> images;
    std::string csv = "caption,seed,foreground,background,shape,fill,solidity\n";
    for (const auto& p : e.pictures) {
      images.push_back(p.image);
      csv += "\"" + p.caption + "\"," + std::to_string(p.seed) + "," + p.verdict.foreground + "," +
             p.verdict.background + "," + p.verdict.shape + "," + std::to_string(p.verdict.fill) + "," +
             std::to_string(p.verdict.solidity) + "\n";
    }
    write_file_atomically(a.out + "/verdicts.csv", csv);
    write_png(a.out + "/pictures.png", make_grid(images, a.seeds * 4, 2, {255, 255, 255}));
    std::cout << "verdicts: " << a.out << "/verdicts.csv, pictures: " << a.out << "/pictures.png\n";
  }
}

void run_eval_concept(const ConceptEvalArgs& a) {
  configure_threads(a.threads);
  if (!a.out.empty()) refuse_foreign_folder(a.out, a.force, evaluation_file);
  std::vector<std::string> forms;
  std::stringstream ss(a.forms);
  for (std::string f; std::getline(ss, f, ',');) {
    concept_reference("x", f, 0);  // throws naming an unknown form
    forms.push_back(f);
  }
  if (!palette_colour(a.colour) || !palette_colour(a.detail_colour) || !shape_kind_named(a.shape))
    throw Error("--colour and --detail-colour must be palette colours and --shape a shape of the grammar");
  const ConceptLibrary lib(a.concepts, false);
  const Concept concept = lib.load_all({a.concept}).at(a.concept);
  const std::string path = model_or_shipped(a.model);
  auto model = load_model_for_cli(path, a.device, "fp32", "", false);
  const TextToImageRequest base = default_request(path, a.guidance);
  ProgressBar bar("evaluate", "");
  const ConceptLook look{a.colour, a.shape, a.detail_colour};
  const auto prompts = a.prompts.empty() ? concept_background_prompts(look) : a.prompts;
  const auto rows = evaluate_concept_detail(model, concept, prompts, look, a.seeds, a.first_seed, base, forms, 6,
                                            [&](int done, int total) { bar.update(done, total); });
  bar.finish();
  std::string table = "| form | k | shows the " + a.detail_colour + " dot | keeps the " + a.colour + " " + a.shape +
                      " |\n| --- | --- | --- | --- |\n";
  std::string csv = "form,k,images,detail,coarse\n";
  for (const auto& r : rows) {
    table += "| " + r.form + " | " + std::to_string(r.k) + " | " + percent(r.detail, r.images) + " | " +
             percent(r.coarse, r.images) + " |\n";
    csv += r.form + "," + std::to_string(r.k) + "," + std::to_string(r.images) + "," + std::to_string(r.detail) +
           "," + std::to_string(r.coarse) + "\n";
  }
  std::cout << a.seeds << " seeds per row, in turn over the prompts:";
  for (const auto& p : prompts) std::cout << " \"" << p << "\"";
  std::cout << "\n" << table;
  if (!a.out.empty()) {
    fs::create_directories(a.out);
    write_file_atomically(a.out + "/detail.csv", csv);
    write_file_atomically(a.out + "/detail.md", table);
    // One grid per form: a row per k, the first pictures of each.
    for (const auto& form : forms) {
      std::vector<Image> images;
      int columns = 0;
      for (const auto& r : rows)
        if (r.form == form) {
          columns = int(r.examples.size());
          images.insert(images.end(), r.examples.begin(), r.examples.end());
        }
      write_png(a.out + "/sweep-" + form + ".png", make_grid(images, columns, 2, {255, 255, 255}));
    }
    // The curve: per form, how often the dot shows (solid) and the colour and shape stay (dashed).
    LineChart chart;
    chart.title = "'" + a.concept + "': detail and coarse identity against resolution k";
    chart.x_label = "resolution k (0 = finest)";
    chart.y_label = "share of pictures";
    const std::vector<Rgb8> colours = {{220, 40, 40}, {40, 80, 220}, {40, 150, 60}};
    for (std::size_t f = 0; f < forms.size(); ++f) {
      ChartSeries detail, coarse;
      detail.label = forms[f] + ": " + a.detail_colour + " dot";
      coarse.label = forms[f] + ": " + a.colour + " " + a.shape;
      detail.colour = coarse.colour = colours[f % colours.size()];
      coarse.dashed = true;
      for (const auto& r : rows)
        if (r.form == forms[f]) {
          detail.x.push_back(double(r.k));
          coarse.x.push_back(double(r.k));
          detail.y.push_back(r.images ? double(r.detail) / r.images : 0);
          coarse.y.push_back(r.images ? double(r.coarse) / r.images : 0);
        }
      chart.series.push_back(detail);
      chart.series.push_back(coarse);
    }
    write_png(a.out + "/curve.png", draw_line_chart(chart));
    std::cout << "tables and sweep grids in " << a.out << "\n";
  }
}

}  // namespace

void add_evaluate(CLI::App& app) {
  auto* cmd = app.add_subcommand("evaluate", "Judge a shapes model's pictures (colours, shape, a concept's detail)");
  cmd->require_subcommand(1);
  auto a = std::make_shared<EvalArgs>();
  auto* shapes = cmd->add_subcommand("shapes", "Generate captions of the shapes grammar and judge the pictures");
  shapes->add_option("--model", a->model, "Model folder (default: the shipped model)");
  shapes->add_option("--captions", a->captions, "held-out, all, or a file with one caption per line")
      ->capture_default_str();
  shapes->add_option("--seeds", a->seeds, "Pictures per caption")->capture_default_str();
  shapes->add_option("--first-seed", a->first_seed, "Seed of the first picture of each caption")->capture_default_str();
  shapes->add_option("--out", a->out, "Folder for verdicts.csv and a grid of the pictures");
  shapes->add_flag("--force", a->force, "Write into an --out folder that holds other files");
  shapes->add_option("--device", a->device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  shapes->add_option("--threads", a->threads, "CPU threads (0 = all cores)");
  shapes->add_option("--guidance", a->guidance, "Guidance scale (default: the model's own)")->check(CLI::Range(0.0, 50.0));
  shapes->add_option("--deep-cache", a->deep_cache, "DeepCache interval (1 = off)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  shapes->add_option("--tome", a->tome, "Token merging ratio (0 = off)")->check(CLI::Range(0.0, 0.75))->capture_default_str();
  shapes->add_flag("--int8", a->int8, "Int8 weights for the UNet's linear layers");
  shapes->callback([a] { run_eval_shapes(*a); });

  auto c = std::make_shared<ConceptEvalArgs>();
  auto* concept = cmd->add_subcommand(
      "concept", "For each resolution form and level: how often the pictures show the concept's dot and keep its "
                 "colour and shape");
  concept->add_option("--model", c->model, "Model folder (default: the shipped model)");
  concept->add_option("--concepts", c->concepts, "Concept library folder")->required();
  concept->add_option("--concept", c->concept, "Concept name")->required();
  concept->add_option("--prompt", c->prompts,
                      "Prompt, {} = the concept reference; repeat it to share the seeds out among several "
                      "(default: 'a {} on a COLOUR background' for every colour other than the concept's two)");
  concept->add_option("--colour", c->colour, "The concept's colour")->required();
  concept->add_option("--shape", c->shape, "The concept's shape")->required();
  concept->add_option("--detail-colour", c->detail_colour, "Colour of the dot at its centre")->required();
  concept->add_option("--seeds", c->seeds, "Pictures per form and level")->capture_default_str();
  concept->add_option("--first-seed", c->first_seed, "Seed of the first picture")->capture_default_str();
  concept->add_option("--forms", c->forms, "Comma-separated: fixed, fully, semi")->capture_default_str();
  concept->add_option("--out", c->out, "Folder for detail.csv, detail.md and sweep grids");
  concept->add_flag("--force", c->force, "Write into an --out folder that holds other files");
  concept->add_option("--device", c->device, "cpu, cuda, cuda:N or auto")->capture_default_str();
  concept->add_option("--threads", c->threads, "CPU threads (0 = all cores)");
  concept->add_option("--guidance", c->guidance, "Guidance scale (default: the model's own)")->check(CLI::Range(0.0, 50.0));
  concept->callback([c] { run_eval_concept(*c); });
}

}  // namespace mrti::cli
