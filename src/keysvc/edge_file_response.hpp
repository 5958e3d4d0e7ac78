#pragma once
// Internal to src/keysvc: sending a release file as an HTTP answer without holding it in
// memory (edge_session.cpp decides what to send; this sends it).

#include <chrono>
#include <cstdint>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "pqbranch/core/metrics.hpp"
#include "pqbranch/keysvc/release_files.hpp"

namespace pqbranch::keysvc::detail {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// Chunk size: big enough for full TLS records, small enough that one chunk's encryption
// keeps the edge's one thread busy only briefly.
inline constexpr std::size_t kFileChunkBytes = std::size_t{64} * 1024;

enum class FileSendResult : std::uint8_t {
  sent,
  write_timeout,     // one chunk found the client not reading for write_timeout
  transfer_timeout,  // the whole answer took longer than its deadline
  read_failed,       // the file could not be read (or shrank while being sent)
  write_failed,      // the connection failed
};

// 200 with Content-Length `file.size`, application/octet-stream, then the file in chunks
// of kFileChunkBytes: each chunk read with pread, then written within write_timeout (the
// coroutine yields while the client is slow, so other connections go on), all within
// `deadline`. Bytes written are counted in edge_release_bytes_total.
boost::asio::awaitable<FileSendResult> send_file_response(
    TlsStream& stream, const ReleaseFile& file, bool keep_alive,
    std::chrono::milliseconds write_timeout, std::chrono::steady_clock::time_point deadline,
    core::Metrics& metrics);

}  // namespace pqbranch::keysvc::detail
