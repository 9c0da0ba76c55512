# Runs TOOL with ARGS (comma-separated) and writes what it prints to OUTPUT (a build step of tools/: cmake -P
# keeps the redirection out of the generator's shell quoting). A failure fails the build.
cmake_minimum_required(VERSION 3.25)
string(REPLACE "," ";" ARGS "${ARGS}")
get_filename_component(dir "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${dir}")
execute_process(COMMAND "${TOOL}" ${ARGS} OUTPUT_FILE "${OUTPUT}.tmp" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE "${OUTPUT}.tmp")
  message(FATAL_ERROR "${TOOL} ${ARGS} failed: ${status}")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
