# charon `ike = 4` log -> "name hex" lines, in the order charon started logging them.
# A blob is "TT[IKE] <conn|n> LABEL => N bytes @ ADDR" followed by hex dump lines
# "TT[IKE] <conn|n> OFF: XX XX ...  ascii" of the same thread TT; other threads' lines
# may come in between, so blobs are collected per thread and named when they start.
function name(l) {
  if (l == "key exchange secret") { round = rounds++; return "ke" round ".shared_secret" }
  if (l == "nonces") return nonces++ ? "" : "nonces"
  if (l == "SKEYSEED") return "ke" round ".skeyseed"
  if (l ~ /^Sk_[a-z]+ secret$/) return "ke" round "." tolower(substr(l, 1, index(l, " ") - 1))
  if (l == "IntAuth_N-1") { sec = "intauth." (ia++ ? "r" : "i"); return sec ".previous" }
  if (l == "IntAuth_A|P") return sec ".data"
  if (l == "IntAuth_N = prf(Sk_px, data)") return sec ".value"
  if (l == "IDx'") { sec = "auth." (au++ ? "r" : "i"); return sec ".id_payload" }
  if (l == "SK_p") return sec ".sk_p"
  if (l ~ /^octets = /) return sec ".octets"
  if (l == "secret") return sec ".psk"
  if (l == "prf(secret, keypad)") return sec ".prf_psk_keypad"
  if (l ~ /^AUTH = /) return sec ".auth"
  return ""  # natd hashes, "additional key exchange secret" (always empty here), ...
}
function flush(t) {
  if (!(t in slot)) return
  if (length(hex[t]) != 2 * size[t]) {
    printf "parse error: %s: %d of %d bytes\n", nm[t], length(hex[t]) / 2, size[t] > "/dev/stderr"
    failed = 1
  }
  out[slot[t]] = nm[t] " " hex[t]
  delete slot[t]
}
{
  if (!match($0, /[0-9]+\[[A-Z]+\] /)) next
  t = substr($0, RSTART, index(substr($0, RSTART), "[") - 1)
  if (!match($0, /[0-9]+\[IKE\] <[^>]*> /)) { flush(t); next }
  rest = substr($0, RSTART + RLENGTH)
  if (match(rest, /^ *[0-9]+: /)) {
    if (!(t in slot)) next
    n = split(substr(rest, RLENGTH + 1, 48), b, " ")
    for (i = 1; i <= n; i++) if (b[i] ~ /^[0-9A-F][0-9A-F]$/) hex[t] = hex[t] tolower(b[i])
    next
  }
  flush(t)
  if (match(rest, / => [0-9]+ bytes @ /)) {
    split(substr(rest, RSTART + 4), z, " ")
    l = name(substr(rest, 1, RSTART - 1))
    if (l == "") next
    slot[t] = ++seq; nm[t] = l; size[t] = z[1] + 0; hex[t] = ""
  }
}
END {
  for (t in slot) flush(t)
  for (i = 1; i <= seq; i++) print out[i]
  exit failed
}
