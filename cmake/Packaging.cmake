# Desktop integration (desktop entry, AppStream metainfo, hicolor icons) and the Debian
# package: after a build, `cd build && cpack -G DEB` writes mrti-studio_<version>_<arch>.deb.
include(GNUInstallDirs)

set(MRTI_APP_ID io.github.mrti.Studio)
set(MRTI_HOMEPAGE "https://github.com/mrti/studio" CACHE STRING "Homepage named by the package and the AppStream metadata")
set(MRTI_PROJECT_LICENSE "LicenseRef-unspecified" CACHE STRING "SPDX expression of the project licence, for the AppStream metadata")
set(MRTI_PACKAGE_MAINTAINER "MRTI Studio developers <mrti-studio@users.noreply.github.com>"
    CACHE STRING "Maintainer field of the Debian package")

if(TARGET mrti-studio)
  set(_pkg ${PROJECT_SOURCE_DIR}/packaging)
  set(_svg ${PROJECT_SOURCE_DIR}/resources/mrti-studio.svg)
  install(FILES ${_pkg}/${MRTI_APP_ID}.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)

  file(READ ${_pkg}/${MRTI_APP_ID}.metainfo.xml.in _metainfo)
  if(NOT _metainfo MATCHES "<release version=\"${PROJECT_VERSION}\"")
    message(WARNING "packaging/${MRTI_APP_ID}.metainfo.xml.in has no <release> for version ${PROJECT_VERSION}")
  endif()
  configure_file(${_pkg}/${MRTI_APP_ID}.metainfo.xml.in ${CMAKE_BINARY_DIR}/packaging/${MRTI_APP_ID}.metainfo.xml @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/packaging/${MRTI_APP_ID}.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)

  install(FILES ${_svg} DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps RENAME ${MRTI_APP_ID}.svg)
  # Fixed sizes for menus and docks that do not scale SVGs, drawn from the same file at build time.
  add_executable(mrti_render_icon ${_pkg}/render_icon.cpp)
  target_link_libraries(mrti_render_icon PRIVATE Qt6::Gui)
  set(_pngs)
  foreach(_size 16 22 24 32 48 64 128 256)
    set(_dir ${CMAKE_BINARY_DIR}/packaging/icons/${_size}x${_size})
    add_custom_command(OUTPUT ${_dir}/${MRTI_APP_ID}.png
      COMMAND ${CMAKE_COMMAND} -E make_directory ${_dir}
      COMMAND mrti_render_icon ${_svg} ${_dir}/${MRTI_APP_ID}.png ${_size}
      DEPENDS mrti_render_icon ${_svg} VERBATIM)
    list(APPEND _pngs ${_dir}/${MRTI_APP_ID}.png)
    install(FILES ${_dir}/${MRTI_APP_ID}.png DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${_size}x${_size}/apps)
  endforeach()
  add_custom_target(mrti_icon_pngs ALL DEPENDS ${_pngs})
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mrti-studio)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "MRTI Studio developers")
set(CPACK_PACKAGE_CONTACT "${MRTI_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_HOMEPAGE_URL "${MRTI_HOMEPAGE}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Stable Diffusion with Multiresolution Textual Inversion")
# Debian wants the long description in lines of at most 80 characters.
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "MRTI Studio runs Stable Diffusion 1.x/2.x in LibTorch and learns new concepts"
  "from a few images with Multiresolution Textual Inversion: a concept is a set of"
  "pseudo-word embeddings, one per band of diffusion time, so a prompt can use it"
  "at any level of detail. It contains the desktop app mrti-studio and the command"
  "line tool mrti, and it loads model files the user already has.")
# The binaries look for their data (the CLIP tokenizer) under the prefix they were built for.
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "Packaging: CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}; a .deb normally uses /usr")
endif()
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Not linked, but needed: the platform plugins (xcb) to open a window, and an optimized
# BLAS behind libblas.so.3 (the reference one makes LibTorch's matmuls ~50x slower).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins, libopenblas0-pthread")
# SVG icons and translated Qt dialogs; the app falls back to painted icons and English dialogs.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libqt6svg6, qt6-translations-l10n")
include(CPack)
