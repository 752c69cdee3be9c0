#include "multires/exporters.h"

#include <cctype>
#include <filesystem>

#include <torch/torch.h>

#include "runtime/ascii_lower.h"
#include "runtime/error.h"
#include "tensor_io/pickle_writer.h"
#include "tensor_io/safetensors.h"

namespace mrti {
namespace fs = std::filesystem;

void export_embedding(const Concept& concept, int64_t resolution, const std::string& path) {
  validate_concept(concept, "concept '" + concept.name + "'");
  if (resolution < 0 || resolution >= concept.num_scales())
    throw Error("resolution " + std::to_string(resolution) + " is out of range: concept '" + concept.name + "' has " +
                std::to_string(concept.num_scales()) + " resolutions, 0.." + std::to_string(concept.num_scales() - 1));
  const at::Tensor v = concept.embeddings[resolution].to(at::kFloat).contiguous().clone();  // [V, d]
  const std::string ext = ascii_lower(fs::path(path).extension().string());
  const std::string label = concept.name + (concept.num_scales() > 1 ? "-r" + std::to_string(resolution) : "");
  if (ext == ".safetensors") {
    Metadata m{{"name", label},
               {"step", std::to_string(concept.train_steps)},
               {"sd_checkpoint_name", concept.base_model},
               {"mrti_concept", concept.name},
               {"mrti_resolution", std::to_string(resolution)},
               {"mrti_num_scales", std::to_string(concept.num_scales())}};
    save_safetensors(path, {{"emb_params", v}}, m);
    return;
  }
  PickleWriter p;
  if (ext == ".pt") {
    p.op('}').op('(');
    p.str("string_to_token").op('}').str("*").integer(265).op('s');
    p.str("string_to_param").op('}').str("*").tensor("0", v).op('s');
    p.str("name").str(label);
    p.str("step").integer(concept.train_steps);
    p.str("sd_checkpoint").none();
    p.str("sd_checkpoint_name");
    if (concept.base_model.empty())
      p.none();
    else
      p.str(concept.base_model);
    p.op('u').op('.');
  } else if (ext == ".bin") {
    p.op('}').str("<" + label + ">").tensor("0", v).op('s').op('.');
  } else {
    throw Error("cannot export to '" + path + "': use .safetensors (AUTOMATIC1111/diffusers), .pt (AUTOMATIC1111) or "
                ".bin (diffusers learned_embeds)");
  }
  write_torch_zip(path, p.b, {{"0", v}});
}

}  // namespace mrti
