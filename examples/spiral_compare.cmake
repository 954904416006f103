# Runs of spiral and spiral_mpi that must print the same losses (the progress lines and the best
# loss, with the it/s figures taken out). MODE:
#   mpi         spiral_mpi under mpirun -np 2 against spiral, 60 iterations on one thread each
#   resume      spiral stopped after iteration 50 (checkpoints every 20), then run again: it
#               resumes from iteration 40 and ends with the uninterrupted run's last lines
#   mpi_resume  the same with spiral_mpi, stopped under mpirun -np 2 and resumed under -np 3 (a
#               checkpoint does not depend on the number of ranks, nor do the losses)
# Inputs: SPIRAL, SPIRAL_MPI, MPIEXEC (with its flags, ';'-separated), WORK_DIR.
set(common --iterations 60 --threads 1 --seed 3)
set(dir ${WORK_DIR}/spiral_compare_${MODE})
file(REMOVE_RECURSE ${dir})
file(MAKE_DIRECTORY ${dir})

function(run_spiral out_var)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  WORKING_DIRECTORY ${dir})
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${ARGN}\nexited with ${rc}\n${out}\n${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

# The lines that carry losses, without the timing figures.
function(loss_lines out_var text)
  string(REPLACE "\n" ";" lines "${text}")
  set(kept "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^iter " OR line MATCHES "^best total loss")
      string(REGEX REPLACE " \\| [0-9.]+ it/s" "" line "${line}")
      list(APPEND kept "${line}")
    endif()
  endforeach()
  set(${out_var} "${kept}" PARENT_SCOPE)
endfunction()

run_spiral(reference ${SPIRAL} ${common} --out ${dir}/reference)
loss_lines(expected "${reference}")
list(LENGTH expected n)
if(n LESS 5)
  message(FATAL_ERROR "spiral printed too few progress lines:\n${reference}")
endif()

if(MODE STREQUAL "mpi")
  run_spiral(got ${MPIEXEC} 2 ${SPIRAL_MPI} ${common} --out ${dir}/mpi)
  if(NOT got MATCHES "2 ranks x 1 threads")
    message(FATAL_ERROR "spiral_mpi did not run on 2 ranks:\n${got}")
  endif()
  loss_lines(actual "${got}")
else()
  if(MODE STREQUAL "resume")
    set(program ${SPIRAL})
    set(again ${SPIRAL})
  else()
    set(program ${MPIEXEC} 2 ${SPIRAL_MPI})
    set(again ${MPIEXEC} 3 ${SPIRAL_MPI})
  endif()
  set(ckpt --checkpoint ${dir}/ckpt --checkpoint-every 20)
  run_spiral(first ${program} ${common} ${ckpt} --stop-after 50 --out ${dir}/first)
  if(NOT first MATCHES "stopped after iteration 50")
    message(FATAL_ERROR "the first run did not stop after iteration 50:\n${first}")
  endif()
  run_spiral(got ${again} ${common} ${ckpt} --out ${dir}/resumed)
  if(NOT got MATCHES "resumed from [^\n]*spiral.ckpt at iteration 40")
    message(FATAL_ERROR "the second run did not resume from iteration 40:\n${got}")
  endif()
  loss_lines(actual "${got}")
  # The resumed run prints what follows iteration 40: the uninterrupted run's last two lines.
  list(SUBLIST expected 3 -1 expected)
endif()

if(NOT actual STREQUAL expected)
  string(REPLACE ";" "\n" e "${expected}")
  string(REPLACE ";" "\n" a "${actual}")
  message(FATAL_ERROR "the losses differ.\nexpected (spiral, uninterrupted):\n${e}\ngot:\n${a}")
endif()
list(LENGTH actual lines)
message(STATUS "${MODE}: the same ${lines} loss lines")
