# Run an example with ARGS; pass when it exits with STATUS and prints its usage line: to stdout
# when STATUS is 0 (--help), to stderr otherwise (a usage error).
execute_process(COMMAND ${EXAMPLE} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL STATUS)
  message(FATAL_ERROR "${EXAMPLE} ${ARGS}: exited with ${rc}, expected ${STATUS}\n${out}\n${err}")
endif()
if(STATUS EQUAL 0)
  set(text "${out}")
else()
  set(text "${err}")
endif()
if(NOT text MATCHES "usage: ")
  message(FATAL_ERROR "${EXAMPLE} ${ARGS}: no usage line\nstdout:\n${out}\nstderr:\n${err}")
endif()
