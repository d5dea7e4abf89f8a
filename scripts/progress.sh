# Sourced by scripts/run and scripts/local-model: says how far a long build has come, from the
# last "[412/1539]" (swift build) or "[ 45%]" (CMake) in its log, with a rough time left.
# progress LABEL LOG STARTED   (STARTED: the value of $SECONDS when the build began)
progress() {
  local label=$1 log=$2 started=$3 elapsed=$((SECONDS - $3)) mark done total left=""
  mark=$(tail -c 65536 "$log" 2>/dev/null | grep -aoE '\[ *[0-9]+/[0-9]+\]|\[ *[0-9]+%\]' | tail -n 1 | tr -d '[] ')
  if [[ $mark == */* ]]; then done=${mark%/*}; total=${mark#*/}
  elif [[ $mark == *% ]]; then done=${mark%\%}; total=100
  else printf '  %d:%02d  %s: preparing (downloads, build plan)\n' $((elapsed / 60)) $((elapsed % 60)) "$label"; return; fi
  # Straight-line from the pace so far: rough, but it moves the right way.
  if ((done * 20 >= total && done < total && elapsed > 20)); then
    left=$(( (elapsed * (total - done) / done + 59) / 60 ))
    left=", about $left min left"
  fi
  printf '  %d:%02d  %s: %d%% (%s/%s)%s\n' $((elapsed / 60)) $((elapsed % 60)) "$label" $((done * 100 / total)) "$done" "$total" "$left"
}

# Waits for process PID, printing its progress every 15 seconds. Returns its exit status.
wait_with_progress() {
  local pid=$1 label=$2 log=$3 started=$SECONDS last=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS - last >= 15)); then
      progress "$label" "$log" "$started" >&2
      last=$SECONDS
    fi
  done
  wait "$pid"
}
