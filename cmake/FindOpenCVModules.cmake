# Debian's libopencv-{core,imgproc,imgcodecs}-dev ship no OpenCVConfig.cmake (only the
# libopencv-dev metapackage does, with ~56 more packages), so find the three modules here.
# With MRTI_OPENCV_IMGCODECS off, imgcodecs (and the GDAL, OpenEXR, ... it links) is left out.
find_path(OpenCVModules_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4)
find_library(OpenCVModules_core_LIBRARY opencv_core)
find_library(OpenCVModules_imgproc_LIBRARY opencv_imgproc)
find_library(OpenCVModules_imgcodecs_LIBRARY opencv_imgcodecs)
include(FindPackageHandleStandardArgs)
set(codecs)
if(MRTI_OPENCV_IMGCODECS)
  set(codecs OpenCVModules_imgcodecs_LIBRARY)
endif()
find_package_handle_standard_args(OpenCVModules REQUIRED_VARS OpenCVModules_INCLUDE_DIR
  OpenCVModules_core_LIBRARY OpenCVModules_imgproc_LIBRARY ${codecs})
if(OpenCVModules_FOUND AND NOT TARGET OpenCVModules::OpenCVModules)
  add_library(OpenCVModules::OpenCVModules INTERFACE IMPORTED)
  set_target_properties(OpenCVModules::OpenCVModules PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${OpenCVModules_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "$<$<BOOL:${MRTI_OPENCV_IMGCODECS}>:${OpenCVModules_imgcodecs_LIBRARY}>;${OpenCVModules_imgproc_LIBRARY};${OpenCVModules_core_LIBRARY}")
endif()
