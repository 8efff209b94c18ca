# cmake --install: headers, the shared and static libraries, a CMake package
# (clreluConfig.cmake, clreluConfigVersion.cmake, targets clrelu::clrelu and
# clrelu::clrelu_static) and clrelu.pc for pkg-config.
include(CMakePackageConfigHelpers)

install(TARGETS clrelu clrelu_static EXPORT clreluTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES include/clrelu.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(CLRELU_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/clrelu)
install(EXPORT clreluTargets NAMESPACE clrelu:: DESTINATION ${CLRELU_CMAKE_DIR})
configure_package_config_file(cmake/clreluConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/clreluConfig.cmake
  INSTALL_DESTINATION ${CLRELU_CMAKE_DIR})
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/clreluConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/clreluConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/clreluConfigVersion.cmake
        DESTINATION ${CLRELU_CMAKE_DIR})

# pkg-config, relocatable: paths relative to the .pc file's own folder.
file(RELATIVE_PATH CLRELU_PC_TO_PREFIX
  ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
configure_file(cmake/clrelu.pc.in ${CMAKE_CURRENT_BINARY_DIR}/clrelu.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/clrelu.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
