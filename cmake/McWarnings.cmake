# House warnings (../shared/STYLE.md) and sanitizers. mc_target_warnings() is
# applied to every target of ours; generated protobuf-c code is built apart
# with relaxed warnings.
set(MC_WARNING_FLAGS
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wformat=2 -Wvla -Wconversion -Wsign-conversion -Wimplicit-fallthrough)
if(MC_WERROR)
    list(APPEND MC_WARNING_FLAGS -Werror)
endif()

function(mc_target_warnings target)
    target_compile_options(${target} PRIVATE ${MC_WARNING_FLAGS})
endfunction()

set(MC_SANITIZE "")
if(MC_ASAN)
    list(APPEND MC_SANITIZE address)
endif()
if(MC_UBSAN)
    list(APPEND MC_SANITIZE undefined)
endif()
if(MC_TSAN)
    list(APPEND MC_SANITIZE thread)
endif()
if(MC_FUZZ)
    list(APPEND MC_SANITIZE fuzzer-no-link)
endif()
if(MC_SANITIZE)
    list(JOIN MC_SANITIZE "," _mc_san)
    add_compile_options(-fsanitize=${_mc_san} -fno-omit-frame-pointer)
    if(MC_UBSAN)
        add_compile_options(-fno-sanitize-recover=undefined)
    endif()
    string(REPLACE "fuzzer-no-link" "" _mc_san_link "${_mc_san}")
    string(REGEX REPLACE ",+$|^,+" "" _mc_san_link "${_mc_san_link}")
    if(_mc_san_link)
        add_link_options(-fsanitize=${_mc_san_link})
    endif()
endif()
