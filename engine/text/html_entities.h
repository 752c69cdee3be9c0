#pragma once
// The HTML entity names ftfy decodes: every HTML5 entity that ends in ';', plus the
// all-caps spelling of lowercase-named ones where that spelling is not itself an entity
// (so "&EACUTE;" gives "É", as in ftfy's HTML_ENTITIES).
#include <string_view>

namespace mrti {

// `name` without the '&' and ';'. nullptr when it is not a known entity.
const char* html_entity(std::string_view name);

}  // namespace mrti
