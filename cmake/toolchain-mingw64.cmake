# Cross build for 64-bit Windows with Debian's mingw-w64 (posix thread model:
# std::thread and std::mutex need it). The .exe files run on Linux under Wine
# through CMAKE_CROSSCOMPILING_EMULATOR, so ctest works as in a native build.
#
#   cmake --preset mingw        (or -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-mingw64.cmake)
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(WSAC_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${WSAC_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${WSAC_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${WSAC_MINGW_TRIPLE}-windres)

# Headers and libraries from the target's sysroot only; programs (python,
# git) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${WSAC_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Static runtime (libgcc, libstdc++, winpthread): each .exe runs under Wine
# and on a bare Windows machine without mingw DLLs copied next to it.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc -static-libstdc++")

# The prefix lives in the build directory so build trees never share one;
# WSAC_WINEPREFIX in the environment overrides it (see wine-run.sh).
if(NOT DEFINED CMAKE_CROSSCOMPILING_EMULATOR)
  set(CMAKE_CROSSCOMPILING_EMULATOR
      "${CMAKE_CURRENT_LIST_DIR}/wine-run.sh;--default-prefix=${CMAKE_BINARY_DIR}/wineprefix")
endif()
