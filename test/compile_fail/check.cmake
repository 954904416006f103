# Build one target that must not compile; pass when it fails and the first error line matches
# EXPECTED, so the message users see first is the one we wrote. ("error: ", not "error": a
# template argument such as default_error_checker must not count as an error line.)
execute_process(
  COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET}
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
set(all "${out}\n${err}")
if(rc EQUAL 0)
  message(FATAL_ERROR "${TARGET} compiled, but it must be rejected at compile time")
endif()
string(REGEX MATCH "[^\n]*error: [^\n]*" first_error "${all}")
if(NOT first_error MATCHES "${EXPECTED}")
  message(FATAL_ERROR "${TARGET}: the first error line is\n  ${first_error}\nexpected it to match\n  ${EXPECTED}\nfull output:\n${all}")
endif()
# The compiler's whole output (the build tool's own lines left out) is short: the cascade of
# errors after the first failed check is cut off.
string(REPLACE "\n" ";" lines "${all}")
set(count 0)
foreach(line IN LISTS lines)
  if(NOT line STREQUAL "" AND NOT line MATCHES "^(g?make|ninja|FAILED:|\\[ *[0-9]+%\\]|Consolidate compiler)"
     AND NOT line MATCHES "^(gmake|make)\\[[0-9]+\\]")
    math(EXPR count "${count} + 1")
  endif()
endforeach()
if(count GREATER 30)
  message(FATAL_ERROR "${TARGET}: ${count} lines of compiler output, more than 30:\n${all}")
endif()
# Every name the error must show (as symbol_named<'W'>, readable on both compilers).
foreach(name IN LISTS NAMES)
  if(NOT all MATCHES "${name}")
    message(FATAL_ERROR "${TARGET}: the error does not name ${name}:\n${all}")
  endif()
endforeach()
message(STATUS "${TARGET}: rejected in ${count} lines with: ${first_error}")
