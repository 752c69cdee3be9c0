# The executables use tcmalloc (gperftools) instead of glibc's malloc where it is installed.
# LibTorch on the CPU allocates and frees activation-sized blocks at every layer; glibc
# serves large ones with fresh mmap()s whose pages fault in again each time, while tcmalloc
# keeps them. `mrti bench` on full-size SD 1.5 (256², fp32, one thread) measured a guided
# UNet step at 3.0 s instead of 15.6 s and a training step at 5.1 s instead of 11.4 s.
option(MRTI_USE_TCMALLOC "Link the executables with tcmalloc (much faster on the CPU)" ON)
if(MRTI_USE_TCMALLOC)
  find_package(PkgConfig)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(TCMALLOC IMPORTED_TARGET libtcmalloc_minimal)
  endif()
  if(NOT TCMALLOC_FOUND)
    message(WARNING "tcmalloc not found (Debian: libgoogle-perftools-dev): the executables use glibc's "
                    "malloc, which makes CPU inference several times slower")
  endif()
endif()

# mrti_use_allocator(<target>): links tcmalloc into an executable. It must stay in the
# executable's NEEDED list ahead of libc, although no symbol of ours refers to it, so it
# is linked without --as-needed.
function(mrti_use_allocator target)
  if(TARGET PkgConfig::TCMALLOC)
    target_link_libraries(${target} PRIVATE "-Wl,--push-state,--no-as-needed" PkgConfig::TCMALLOC "-Wl,--pop-state")
  endif()
endfunction()
