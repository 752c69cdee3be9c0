// The model list's descriptions: models/stable_diffusion.h's summary, reduced to what a
// person compares at a glance.
#include <algorithm>
#include <filesystem>
#include <system_error>

#include <nlohmann/json.hpp>

#include "models/stable_diffusion.h"
#include "studio/studio_engine.h"

namespace mrti::studio {

namespace fs = std::filesystem;

ModelSummary describe_model(const std::string& path) {
  ModelSummary m;
  m.path = path;
  m.name = fs::path(path).filename().string();
  if (m.name.empty()) m.name = fs::path(path).parent_path().filename().string();
  try {
    const nlohmann::json d = describe_stable_diffusion(path);
    m.kind = d.value("kind", "");
    m.family = d.value("family", "");
    std::vector<std::string> dtypes;
    const auto add_dtypes = [&](const nlohmann::json& names) {
      for (const auto& t : names) {
        const std::string name = t.get<std::string>();
        // Integer tensors (position ids) say nothing about the weights' precision.
        if (name.rfind("int", 0) == 0 || name == "bool") continue;
        if (std::find(dtypes.begin(), dtypes.end(), name) == dtypes.end()) dtypes.push_back(name);
      }
    };
    std::error_code ec;
    for (const char* part : {"text_encoder", "unet", "vae"}) {
      if (!d.contains("components") || !d["components"].contains(part)) continue;
      const auto& c = d["components"][part];
      m.parameters += c.value("parameters", int64_t{0});
      if (c.contains("dtypes")) add_dtypes(c["dtypes"]);
      if (c.contains("weights")) {
        const auto size = fs::file_size(c["weights"].get<std::string>(), ec);
        if (!ec) m.bytes += static_cast<int64_t>(size);
      }
    }
    if (fs::is_regular_file(path, ec)) {
      const auto size = fs::file_size(path, ec);
      if (!ec) m.bytes = static_cast<int64_t>(size);
      if (d.contains("file") && d["file"].contains("dtypes")) add_dtypes(d["file"]["dtypes"]);
    }
    for (const auto& t : dtypes) m.dtypes += (m.dtypes.empty() ? "" : ", ") + t;
  } catch (const std::exception& e) {
    m.error = error_message(e);
  }
  return m;
}

}  // namespace mrti::studio
