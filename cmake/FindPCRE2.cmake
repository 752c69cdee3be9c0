# PCRE2's 8-bit library as PCRE2::8, found by path (no pkg-config needed, so a folder of
# unpacked packages on CMAKE_PREFIX_PATH serves as well as an installed package).
find_path(PCRE2_INCLUDE_DIR pcre2.h)
find_library(PCRE2_8_LIBRARY pcre2-8)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(PCRE2 REQUIRED_VARS PCRE2_INCLUDE_DIR PCRE2_8_LIBRARY)
if(PCRE2_FOUND AND NOT TARGET PCRE2::8)
  add_library(PCRE2::8 UNKNOWN IMPORTED)
  set_target_properties(PCRE2::8 PROPERTIES IMPORTED_LOCATION "${PCRE2_8_LIBRARY}"
                        INTERFACE_INCLUDE_DIRECTORIES "${PCRE2_INCLUDE_DIR}")
endif()
mark_as_advanced(PCRE2_INCLUDE_DIR PCRE2_8_LIBRARY)
