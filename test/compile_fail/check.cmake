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
message(STATUS "${TARGET}: rejected with: ${first_error}")
