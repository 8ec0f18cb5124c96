# Every dependency comes from Debian and is found with pkg-config. A missing one
# stops the configure step with the name of the Debian package to install
# (scripts/setup.sh installs them all).
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
    message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config' "
                        "(or run scripts/setup.sh)")
endif()

# mc_require(<prefix> <pkg-config module> <Debian package>)
function(mc_require prefix module debian_package)
    pkg_check_modules(${prefix} QUIET IMPORTED_TARGET GLOBAL ${module})
    if(NOT ${prefix}_FOUND)
        message(FATAL_ERROR "missing dependency '${module}': install the Debian package "
                            "'${debian_package}' (or run scripts/setup.sh)")
    endif()
    message(STATUS "found ${module} ${${prefix}_VERSION}")
endfunction()

mc_require(LMDB lmdb liblmdb-dev)
mc_require(SODIUM libsodium libsodium-dev)
mc_require(PROTOBUFC libprotobuf-c libprotobuf-c-dev)
mc_require(LIBUV libuv libuv1-dev)
mc_require(JANSSON jansson libjansson-dev)
if(MC_BUILD_TESTS)
    mc_require(CMOCKA cmocka libcmocka-dev)
endif()

find_program(PROTOC_C NAMES protoc-c)
if(NOT PROTOC_C)
    message(FATAL_ERROR "protoc-c not found: install the Debian package 'protobuf-c-compiler' "
                        "(or run scripts/setup.sh)")
endif()

find_package(Threads REQUIRED)
