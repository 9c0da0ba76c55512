# The installation test: `cmake --install BUILD_DIR --prefix PREFIX` must give working tools,
# their man pages and completions, and the documentation.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${PREFIX}" OUTPUT_QUIET
                RESULT_VARIABLE status ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "cmake --install failed: ${errors}")
endif()
foreach(file bin/pwvm bin/pwreplay share/man/man1/pwvm.1 share/man/man1/pwreplay.1
        share/bash-completion/completions/pwvm share/bash-completion/completions/pwreplay
        share/zsh/site-functions/_pwvm share/zsh/site-functions/_pwreplay
        share/doc/PhysicsWorldVM/README.md share/doc/PhysicsWorldVM/CLI.md share/doc/PhysicsWorldVM/examples/hello.pwa)
  if(NOT EXISTS "${PREFIX}/${file}")
    message(FATAL_ERROR "the installation has no ${file}")
  endif()
endforeach()
# The installed tools work on their own: record an example, then replay the trace.
set(trace "${PREFIX}/hello.pwtrace")
execute_process(COMMAND "${PREFIX}/bin/pwvm" run "${PREFIX}/share/doc/PhysicsWorldVM/examples/hello.pwa" --record "${trace}"
                OUTPUT_VARIABLE out RESULT_VARIABLE status)
if(NOT status EQUAL 0 OR NOT out STREQUAL "Hello, world!\n")
  message(FATAL_ERROR "the installed pwvm run printed '${out}' and exited ${status}")
endif()
execute_process(COMMAND "${PREFIX}/bin/pwreplay" verify "${trace}" OUTPUT_VARIABLE out RESULT_VARIABLE status)
if(NOT status EQUAL 0 OR NOT out MATCHES "^verified ")
  message(FATAL_ERROR "the installed pwreplay verify printed '${out}' and exited ${status}")
endif()
file(REMOVE_RECURSE "${PREFIX}")
