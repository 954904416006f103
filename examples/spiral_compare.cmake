# Runs of spiral and spiral_mpi that must print the same losses (the progress lines and the best
# loss, with the it/s figures taken out). MODE:
#   mpi         spiral_mpi under mpirun -np 2 against spiral, 60 iterations on one thread each
#   resume      spiral stopped after iteration 50 (checkpoints every 20), then run again: it
#               resumes from iteration 40 and ends with the uninterrupted run's last lines
#   mpi_resume  the same with spiral_mpi, stopped under mpirun -np 2 and resumed under -np 3 (a
#               checkpoint does not depend on the number of ranks, nor do the losses)
#   save_load   spiral --save FILE, then spiral --load FILE --iterations 0 --save AGAIN: the
#               second prints, at iteration 0, the first's last total loss, and AGAIN is FILE
#               byte for byte; a file of the wrong shapes is refused with the tensor's name
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

if(MODE STREQUAL "save_load")
  set(saved --save ${dir}/trained.safetensors)
endif()
run_spiral(reference ${SPIRAL} ${common} --out ${dir}/reference ${saved})
loss_lines(expected "${reference}")
list(LENGTH expected n)
if(n LESS 5)
  message(FATAL_ERROR "spiral printed too few progress lines:\n${reference}")
endif()

if(MODE STREQUAL "save_load")
  if(NOT reference MATCHES "saved the trained parameters to [^\n]*trained.safetensors")
    message(FATAL_ERROR "spiral --save did not say it saved:\n${reference}")
  endif()
  string(REGEX MATCH "iter   60 \\| total loss [0-9.]+" last "${reference}")
  run_spiral(got ${SPIRAL} --iterations 0 --threads 1 --load ${dir}/trained.safetensors
             --save ${dir}/again.safetensors --out ${dir}/loaded)
  if(NOT got MATCHES "loaded the initial parameters from [^\n]*trained.safetensors")
    message(FATAL_ERROR "spiral --load did not say it loaded:\n${got}")
  endif()
  string(REGEX MATCH "iter    0 \\| total loss [0-9.]+" first "${got}")
  string(REGEX REPLACE ".*total loss " "" last_loss "${last}")
  string(REGEX REPLACE ".*total loss " "" first_loss "${first}")
  if(last_loss STREQUAL "" OR NOT last_loss STREQUAL first_loss)
    message(FATAL_ERROR "the loaded parameters give another loss: '${first}' after loading, "
                        "'${last}' when saved\n${reference}\n${got}")
  endif()
  file(SHA256 ${dir}/trained.safetensors a)
  file(SHA256 ${dir}/again.safetensors b)
  if(NOT a STREQUAL b)
    message(FATAL_ERROR "the parameters saved again after loading differ from the file loaded")
  endif()
  # A file of the float32 run does not load into the float64 one, and says which tensor differs.
  run_spiral(f32 ${SPIRAL} --float --iterations 0 --threads 1 --save ${dir}/f32.safetensors
             --out ${dir}/f32)
  execute_process(COMMAND ${SPIRAL} --iterations 0 --load ${dir}/f32.safetensors --out ${dir}/bad
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0 OR NOT err MATCHES "\"fc1.weight\": the file holds F32 values, the program needs F64")
    message(FATAL_ERROR "a float32 file was not refused by name (exit ${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "save_load: total loss ${first_loss} when saved and after loading; the same file")
  return()
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
