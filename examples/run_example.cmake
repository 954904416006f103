# Run an example; pass when it exits 0 and prints every line pattern in EXPECT (';'-separated).
execute_process(COMMAND ${EXAMPLE} ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                WORKING_DIRECTORY ${WORK_DIR})
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXAMPLE} exited with ${rc}\n${out}\n${err}")
endif()
foreach(pattern IN LISTS EXPECT)
  if(NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "${EXAMPLE}: expected output matching '${pattern}', got:\n${out}")
  endif()
endforeach()
