# GoogleTest: Debian's installed package natively; built from the Debian
# sources in /usr/src/googletest (or WSAC_GOOGLETEST_SOURCE) when cross
# compiling, since no Windows build of it is installed.
set(WSAC_GOOGLETEST_SOURCE "/usr/src/googletest" CACHE PATH "GoogleTest sources for cross builds")
if(CMAKE_CROSSCOMPILING OR WIN32)
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(BUILD_GMOCK ON CACHE BOOL "" FORCE)
  set(gtest_force_shared_crt OFF CACHE BOOL "" FORCE)
  add_subdirectory(${WSAC_GOOGLETEST_SOURCE} ${CMAKE_BINARY_DIR}/_googletest EXCLUDE_FROM_ALL)
  # GoogleTest 1.11+ defines the GTest:: aliases itself; older sources do not.
  foreach(lib gtest gmock gtest_main gmock_main)
    if(NOT TARGET GTest::${lib})
      add_library(GTest::${lib} ALIAS ${lib})
    endif()
  endforeach()
else()
  find_package(GTest REQUIRED)
endif()
include(GoogleTest)
