// mrti make-shapes: the captioned shapes dataset the demo model is trained on, or the
// pictures of a concept the grammar cannot name.
#include <algorithm>
#include <cctype>
#include <iostream>

#include "cli/cli_files.h"
#include "cli/commands.h"
#include "training/shapes_dataset.h"

namespace mrti::cli {

namespace {

// What make-shapes writes: NNNNN.png and NNNNN.txt, the dataset's manifest, and their
// temporaries.
bool shapes_file(const std::string& name) {
  const std::string n = name.substr(0, name.find(".tmp-"));
  if (n == "dataset.json") return true;
  const std::string ext = n.size() == 9 ? n.substr(5) : "";
  return (ext == ".png" || ext == ".txt") &&
         std::all_of(n.begin(), n.begin() + 5, [](unsigned char c) { return std::isdigit(c) != 0; });
}

}  // namespace

void add_make_shapes(CLI::App& app) {
  struct Args {
    std::string out;
    ShapesDatasetOptions options;
    bool concept = false;
    ConceptPicturesOptions pictures;
    int concept_count = 6;
    bool force = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "make-shapes", "Draw a captioned shapes dataset (NNNNN.png + NNNNN.txt: \"a [small |big ]COLOUR SHAPE on a "
                     "COLOUR background\"), deterministic from a seed");
  cmd->add_option("--out", a->out, "Output folder (created; an existing dataset of the same options is kept)")
      ->required();
  cmd->add_option("--count", a->options.count, "Number of pictures")->capture_default_str();
  cmd->add_option("--seed", a->options.seed, "Seed")->capture_default_str();
  cmd->add_option("--size", a->options.size, "Picture size in pixels")->capture_default_str();
  cmd->add_option("--dot-probability", a->options.dot_probability,
                  "Share of pictures with a dot of another colour at the shape's centre (\"with a COLOUR dot\")")
      ->capture_default_str();
  cmd->add_option("--colour-jitter", a->options.colour_jitter, "Per-channel jitter around the palette colours")
      ->capture_default_str();
  cmd->add_flag("--include-held-out", a->options.include_held_out,
                "Also draw the colour/shape combinations kept out for evaluation");
  auto* g = cmd->add_option_group("concept pictures", "Instead: pictures of one object the grammar cannot name");
  g->add_flag("--concept", a->concept,
              "Draw concept pictures (a shape with a dot of another colour, captioned \"a {} on a COLOUR background\")");
  g->add_option("--concept-count", a->concept_count, "Number of concept pictures")->capture_default_str();
  g->add_option("--colour", a->pictures.colour, "The shape's colour")->capture_default_str();
  g->add_option("--shape", a->pictures.shape, "The shape")->capture_default_str();
  g->add_option("--dot-colour", a->pictures.dot_colour, "The dot's colour")->capture_default_str();
  g->add_option("--shape-size", a->pictures.size, "small, medium or big")->capture_default_str();
  cmd->add_flag("--force", a->force, "Write into an --out folder that holds other files");
  cmd->callback([a] {
    // An interrupted dataset goes on; files of other names are someone else's.
    refuse_foreign_folder(a->out, a->force, shapes_file);
    if (a->concept) {
      ConceptPicturesOptions o = a->pictures;
      o.count = a->concept_count;
      o.seed = a->options.seed;
      o.image_size = a->options.size;
      if (o.size == "medium") o.size = "";
      write_concept_pictures(a->out, o);
      std::cout << a->out << "\n";
      return;
    }
    write_shapes_dataset(a->out, a->options, [](int64_t done, int64_t total) {
      std::cerr << "\r" << done << " / " << total << " pictures" << std::flush;
    });
    std::cerr << "\n";
    std::cout << a->out << "\n";
  });
}

}  // namespace mrti::cli
