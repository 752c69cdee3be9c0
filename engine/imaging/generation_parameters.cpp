#include "imaging/generation_parameters.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/error.h"

namespace mrti {
namespace {

const char* const kNegativePrefix = "Negative prompt:";
const char* const kStandardKeys[] = {"Steps", "Sampler", "CFG scale", "Seed", "Size", "Model hash", "Model"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Python's \w on ASCII; any non-ASCII byte counts as a word character (Python's \w
// matches letters of every script).
bool is_word(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || std::isalnum(u) || c == '_';
}

bool is_key_char(char c) { return is_word(c) || c == ' ' || c == '-' || c == '/'; }

std::string strip(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::string quote(const std::string& v) {
  bool needs = v.find_first_of(",:\n") != std::string::npos;  // A1111's own rule
  if (!v.empty() && (v.front() == '"' || is_space(v.front()) || is_space(v.back()))) needs = true;
  for (char c : v) needs = needs || static_cast<unsigned char>(c) < 0x20;
  if (!needs) return v;
  return nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string unquote(const std::string& v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return v;
  try {
    auto j = nlohmann::json::parse(v);
    if (j.is_string()) return j.get<std::string>();
  } catch (const nlohmann::json::exception&) {
  }
  return v;
}

std::string format_number(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// re.findall(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)', line), with the
// quoted values decoded as A1111 does afterwards.
std::vector<std::pair<std::string, std::string>> find_params(const std::string& s) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::size_t n = s.size();
  std::size_t pos = 0;
  while (pos < n) {
    std::size_t k = pos;
    while (k < n && is_space(s[k])) ++k;
    std::size_t j = k;
    if (j < n && is_word(s[j]))
      for (++j; j < n && is_key_char(s[j]);) ++j;
    if (j - k < 2 || j >= n || s[j] != ':') {
      ++pos;  // search semantics: try again one character later
      continue;
    }
    std::size_t v = j + 1;
    while (v < n && is_space(s[v])) ++v;
    std::size_t end = std::string::npos;
    std::string value;
    if (v < n && s[v] == '"') {
      std::size_t q = v + 1;
      while (q < n && s[q] != '"') {
        if (s[q] == '\\') {
          if (q + 1 >= n) break;
          q += 2;
        } else {
          ++q;
        }
      }
      if (q < n && s[q] == '"' && q > v + 1 && (q + 1 == n || s[q + 1] == ',')) {
        value = s.substr(v, q + 1 - v);
        end = q + 1 == n ? n : q + 2;
      }
    }
    if (end == std::string::npos) {
      const std::size_t c = s.find(',', v);
      value = s.substr(v, c == std::string::npos ? std::string::npos : c - v);
      end = c == std::string::npos ? n : c + 1;
    }
    out.emplace_back(s.substr(k, j - k), unquote(value));
    pos = end;
  }
  return out;
}

template <class T>
T parse_number(const std::string& key, const std::string& raw, const char* what) {
  const std::string v = strip(raw);
  T out{};
  const char* b = v.data();
  const char* e = v.data() + v.size();
  if (!v.empty() && *b == '+') ++b;
  auto r = std::from_chars(b, e, out);
  if (v.empty() || r.ec != std::errc() || r.ptr != e)
    throw Error("generation parameters: '" + key + "' should be " + what + ", got '" + raw + "'");
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(out)) throw Error("generation parameters: '" + key + "' is not finite: '" + raw + "'");
  }
  return out;
}

void check_extra_key(const std::string& key) {
  for (const char* std_key : kStandardKeys)
    if (key == std_key)
      throw Error("generation parameters: extra key '" + key + "' names a standard field; set the field instead");
  bool ok = key.size() >= 2 && std::isalnum(static_cast<unsigned char>(key[0]));
  for (char c : key) {
    const auto u = static_cast<unsigned char>(c);
    ok = ok && u < 0x80 && (std::isalnum(u) || c == '_' || c == ' ' || c == '-' || c == '/');
  }
  if (!ok)
    throw Error("generation parameters: extra key '" + key +
                "' cannot be stored: use 2 or more ASCII letters, digits, '_', ' ', '-' or '/', starting with a "
                "letter or digit");
}

}  // namespace

std::string GenerationParameters::to_a1111_string() const {
  std::vector<std::pair<std::string, std::string>> fields;
  fields.emplace_back("Steps", std::to_string(steps));
  if (!sampler.empty()) fields.emplace_back("Sampler", sampler);
  fields.emplace_back("CFG scale", format_number(cfg_scale));
  fields.emplace_back("Seed", std::to_string(seed));
  fields.emplace_back("Size", std::to_string(width) + "x" + std::to_string(height));
  if (model_hash) fields.emplace_back("Model hash", *model_hash);
  if (!model.empty()) fields.emplace_back("Model", model);
  for (const auto& [key, value] : extra) {
    check_extra_key(key);
    fields.emplace_back(key, value);
  }
  std::string params;
  for (const auto& [key, value] : fields) {
    if (!params.empty()) params += ", ";
    params += key + ": " + quote(value);
  }
  std::string text = prompt;
  if (!negative_prompt.empty()) text += "\n" + std::string(kNegativePrefix) + " " + negative_prompt;
  text += "\n" + params;
  return strip(text);
}

bool operator==(const GenerationParameters& a, const GenerationParameters& b) {
  return a.prompt == b.prompt && a.negative_prompt == b.negative_prompt && a.sampler == b.sampler &&
         a.model == b.model && a.model_hash == b.model_hash && a.seed == b.seed && a.steps == b.steps &&
         a.width == b.width && a.height == b.height && a.cfg_scale == b.cfg_scale && a.extra == b.extra;
}

GenerationParameters parse_a1111(const std::string& text) {
  std::vector<std::string> lines;
  {
    const std::string x = strip(text);
    std::size_t start = 0;
    for (;;) {
      const std::size_t nl = x.find('\n', start);
      lines.push_back(x.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  auto params = find_params(lines.back());
  if (params.size() < 3)
    params.clear();
  else
    lines.pop_back();

  GenerationParameters p;
  std::vector<std::string> prompt_lines, negative_lines;
  bool in_negative = false;
  const std::size_t prefix_len = std::strlen(kNegativePrefix);
  for (const std::string& line : lines) {
    if (!in_negative && line.compare(0, prefix_len, kNegativePrefix) == 0) {
      in_negative = true;
      std::string rest = line.substr(prefix_len);
      if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
      negative_lines.push_back(rest);
      continue;
    }
    (in_negative ? negative_lines : prompt_lines).push_back(line);
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "\n" : "") + v[i];
    return s;
  };
  p.prompt = join(prompt_lines);
  p.negative_prompt = join(negative_lines);

  for (const auto& [key, value] : params) {
    if (key == "Steps") {
      p.steps = parse_number<int>(key, value, "a whole number");
    } else if (key == "Sampler") {
      p.sampler = value;
    } else if (key == "CFG scale") {
      p.cfg_scale = parse_number<double>(key, value, "a number");
    } else if (key == "Seed") {
      p.seed = parse_number<int64_t>(key, value, "a whole number");
    } else if (key == "Size") {
      const std::string v = strip(value);
      const std::size_t x = v.find('x');
      const auto digits = [](const std::string& s) {
        return !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string::npos;
      };
      if (x == std::string::npos || !digits(v.substr(0, x)) || !digits(v.substr(x + 1)))
        throw Error("generation parameters: 'Size' should be WIDTHxHEIGHT, got '" + value + "'");
      p.width = std::stoi(v.substr(0, x));
      p.height = std::stoi(v.substr(x + 1));
    } else if (key == "Model hash") {
      p.model_hash = value;
    } else if (key == "Model") {
      p.model = value;
    } else {
      p.extra[key] = value;
    }
  }
  return p;
}

PngText to_png_text(const GenerationParameters& p) { return {{"parameters", p.to_a1111_string()}}; }

std::optional<GenerationParameters> read_png_parameters(const std::string& path) {
  const auto value = find_png_text(read_png_text(path), "parameters");
  if (!value) return std::nullopt;
  try {
    return parse_a1111(*value);
  } catch (const Error& e) {
    throw Error("'" + path + "': " + e.what());
  }
}

}  // namespace mrti
