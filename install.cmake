# What `cmake --install build --prefix DIR` puts under DIR: the two tools, their man pages
# and shell completions (written at build time into build/share/, see tools/CMakeLists.txt),
# the documentation, and the VS Code extension's package when it has been built
# (`npm run package` in editors/vscode).
include(GNUInstallDirs)
install(TARGETS pwvm pwreplay RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PWVM_SHARE_DIR}/man/man1/pwvm.1 ${PWVM_SHARE_DIR}/man/man1/pwreplay.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PWVM_SHARE_DIR}/bash-completion/completions/pwvm ${PWVM_SHARE_DIR}/bash-completion/completions/pwreplay
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${PWVM_SHARE_DIR}/zsh/site-functions/_pwvm ${PWVM_SHARE_DIR}/zsh/site-functions/_pwreplay
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
# The extension's package is built by npm, outside CMake, and its name carries its version:
# looked for when installing, and skipped when there is none.
install(CODE "
  file(GLOB vsix \"${PROJECT_SOURCE_DIR}/editors/vscode/*.vsix\")
  if(vsix)
    file(INSTALL \${vsix} DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/pwvm\")
  endif()")
