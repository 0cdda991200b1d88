# Warnings for our own targets only (third-party headers are system headers).
add_library(shiplog_warnings INTERFACE)
target_compile_options(shiplog_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(SHIPLOG_WERROR)
  target_compile_options(shiplog_warnings INTERFACE -Werror)
endif()

# shiplog_library(NAME folder SOURCES ... ) -- one static library per folder,
# public headers under <folder>/include/<folder>/.
function(shiplog_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(${name} PRIVATE shiplog_warnings)
endfunction()
