#include "runtime/cpu_features.h"

#include <fstream>
#include <set>
#include <sstream>

namespace mrti {

CpuFeatures parse_cpuinfo(const std::string& text) {
  CpuFeatures f;
  std::istringstream in(text);
  std::string line;
  std::set<std::string> flags;
  bool have_flags = false;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    std::string value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (key == "model name" && f.model.empty()) f.model = value;
    if (key == "flags" && !have_flags) {
      have_flags = true;
      std::istringstream words(value);
      for (std::string w; words >> w;) flags.insert(w);
    }
  }
  const auto has = [&](const char* flag) { return flags.count(flag) > 0; };
  f.avx2 = has("avx2");
  f.fma = has("fma");
  f.avx512f = has("avx512f");
  f.avx512_bf16 = has("avx512_bf16");
  f.avx512_vnni = has("avx512_vnni");
  f.avx_vnni = has("avx_vnni");
  f.amx_tile = has("amx_tile");
  f.amx_bf16 = has("amx_bf16");
  f.amx_int8 = has("amx_int8");
  return f;
}

CpuFeatures cpu_features() {
  std::ifstream in("/proc/cpuinfo");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_cpuinfo(text.str());
}

std::string CpuFeatures::summary() const {
  std::string s;
  const auto add = [&](bool on, const char* name) {
    if (on) s += (s.empty() ? "" : " ") + std::string(name);
  };
  add(avx2, "AVX2");
  add(fma, "FMA");
  add(avx512f, "AVX-512");
  add(avx512_bf16, "AVX512-BF16");
  add(avx512_vnni, "AVX512-VNNI");
  add(avx_vnni, "AVX-VNNI");
  add(amx_bf16, "AMX-BF16");
  add(amx_int8, "AMX-INT8");
  if (!amx_tile) s += s.empty() ? "no AMX" : ", no AMX";
  return s;
}

}  // namespace mrti
