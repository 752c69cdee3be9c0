#pragma once
// Training settings as JSON. A settings struct lists its keys once, in
//   template <class Self, class Visit> static void fields(Self& s, Visit&& visit)
// calling visit("key", s.member) for each; writing and reading both come from that table.
// Reading: a missing key keeps its default, a value of the wrong type is an error naming
// the key.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "runtime/error.h"

namespace mrti {

template <typename T>
T setting_or(const nlohmann::json& j, const char* key, T fallback) {
  if (!j.contains(key)) return fallback;
  const nlohmann::json& v = j.at(key);
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    // A whole number that fits: JSON's 1e40 or 4294967297 for an int must not wrap or
    // convert out of range (undefined for a float) into some other setting.
    const auto out_of_range = [&] {
      return Error(std::string("training settings: '") + key + "' is " + v.dump() + ", not a whole number from " +
                   std::to_string(std::numeric_limits<T>::min()) + " to " +
                   std::to_string(std::numeric_limits<T>::max()));
    };
    if (v.is_number_unsigned()) {
      const auto x = v.get<uint64_t>();
      if (x > static_cast<uint64_t>(std::numeric_limits<T>::max())) throw out_of_range();
      return static_cast<T>(x);
    }
    if (v.is_number_integer() || v.is_number_float()) {
      int64_t w = 0;
      if (v.is_number_integer()) {
        w = v.get<int64_t>();
      } else {
        const double x = v.get<double>();
        // 2^63 is the first double beyond int64_t; a double holds every int32 exactly.
        if (!std::isfinite(x) || x != std::trunc(x) || x < -9.2233720368547758e18 || x >= 9.2233720368547758e18)
          throw out_of_range();
        w = static_cast<int64_t>(x);
      }
      if (w < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
          w > static_cast<int64_t>(std::numeric_limits<T>::max()))
        throw out_of_range();
      return static_cast<T>(w);
    }
  }
  try {
    return v.get<T>();
  } catch (const std::exception&) {
    throw Error(std::string("training settings: '") + key + "' has the wrong type (" + v.dump() + ")");
  }
}

template <class S>
nlohmann::json fields_to_json(const S& s) {
  nlohmann::json j = nlohmann::json::object();
  S::fields(s, [&](const char* key, const auto& value) { j[key] = value; });
  return j;
}

// `what` names the settings in the error for a value that is not an object.
template <class S>
S fields_from_json(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object()) throw Error(what + " must be a JSON object");
  S s;
  S::fields(s, [&](const char* key, auto& value) { value = setting_or(j, key, value); });
  return s;
}

}  // namespace mrti
