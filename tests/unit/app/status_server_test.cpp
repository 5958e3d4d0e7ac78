#include "pqbranch/app/status_server.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "pqbranch/app/errc.hpp"
#include "pqbranch/app/program_commands.hpp"
#include "pqbranch/core/unique_fd.hpp"

namespace pqbranch::app {
namespace {

using std::chrono::milliseconds;

std::filesystem::path temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "pqb-status-XXXXXX").string();
  return ::mkdtemp(tmpl.data());
}

// A client that does exactly what a test says: connect, send some bytes, then read until
// the server closes or a deadline passes.
class RawClient {
 public:
  explicit RawClient(const std::filesystem::path& path)
      : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    connected_ = ::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) ==
                 0;  // NOLINT
  }
  [[nodiscard]] bool connected() const { return connected_; }
  void send(const std::string& bytes) const {
    ASSERT_EQ(::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // What arrived before the server closed; nullopt if it still holds the connection at the
  // deadline. A reset after the answer (the server closed with our bytes unread) is a close.
  [[nodiscard]] std::optional<std::string> read_until_closed(milliseconds deadline) const {
    std::string out;
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<milliseconds>(until - std::chrono::steady_clock::now());
      pollfd pfd{fd_.get(), POLLIN, 0};
      if (::poll(&pfd, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0))) <= 0) {
        return std::nullopt;
      }
      std::array<char, 512> buf{};
      const ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
      if (n <= 0) return out;
      out.append(buf.data(), static_cast<std::size_t>(n));
    }
  }
  // Whether the server has closed (or answered) by now, without waiting.
  [[nodiscard]] bool still_held() const {
    pollfd pfd{fd_.get(), POLLIN, 0};
    return ::poll(&pfd, 1, 0) == 0;
  }

 private:
  core::UniqueFd fd_;
  bool connected_ = false;
};

// Well beyond kClientDeadline, so a wait that ends earlier proves the server acted.
constexpr milliseconds kPatience{10000};

class StatusSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    work_.reset();
    io_.stop();
    thread_.join();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  void serve(StatusServer::CommandHandler handler) {
    auto server = StatusServer::create(
        io_, path_, [] { return std::string("{\"status\":1}"); }, std::move(handler));
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(*server);
  }
  // Records every command it gets and answers with its position.
  StatusServer::CommandHandler recorder() {
    return [this](const OperatorCommand& c) -> core::Result<std::string> {
      const std::lock_guard lock(mutex_);
      seen_.push_back(c);
      return "done " + std::to_string(seen_.size());
    };
  }
  std::vector<OperatorCommand> seen() {
    const std::lock_guard lock(mutex_);
    return seen_;
  }

  std::filesystem::path dir_ = temp_dir();
  std::filesystem::path path_ = dir_ / "agent.sock";
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::thread thread_;
  std::unique_ptr<StatusServer> server_;
  std::mutex mutex_;
  std::vector<OperatorCommand> seen_;
};

TEST_F(StatusSocketTest, AnswersEachStatusRequestWithTheDocumentOn0600Socket) {
  const auto path = dir_ / "run" / "agent.sock";
  int calls = 0;
  auto server =
      StatusServer::create(io_, path, [&] { return "{\"n\":" + std::to_string(++calls) + "}"; });
  ASSERT_TRUE(server) << server.error().message();
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  auto a = fetch_status(path);
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(*a, "{\"n\":1}\n");
  auto b = fetch_status(path);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, "{\"n\":2}\n");
  // A second agent on the same socket is refused while the first answers.
  EXPECT_FALSE(StatusServer::create(io_, path, [] { return std::string("{}"); }));
  server->reset();
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(fetch_status(path));
}

TEST_F(StatusSocketTest, ReplacesAStaleSocketButNeverAnotherFile) {
  {
    // A socket file nobody listens on: what a killed agent leaves.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);  // NOLINT
    ::close(fd);
  }
  auto server = StatusServer::create(io_, path_, [] { return std::string("{}"); });
  ASSERT_TRUE(server) << server.error().message();
  server->reset();
  const auto file = dir_ / "not-a-socket";
  std::ofstream(file) << "precious";
  EXPECT_FALSE(StatusServer::create(io_, file, [] { return std::string("{}"); }));
  EXPECT_TRUE(std::filesystem::exists(file));
}

TEST_F(StatusSocketTest, EachUpdateCommandReachesTheHandlerAndItsTextIsTheReply) {
  serve(recorder());
  for (const char* line :
       {"update now", "update pause", "update resume", "update pin 0.3.0", "update unpin"}) {
    auto reply = send_operator_command(path_, line);
    ASSERT_TRUE(reply) << line << ": " << reply.error().message();
    EXPECT_EQ(*reply, "ok: done " + std::to_string(seen().size())) << line;
  }
  const auto got = seen();
  ASSERT_EQ(got.size(), 5U);
  EXPECT_TRUE(std::holds_alternative<update::UpdateNow>(got[0]));
  EXPECT_TRUE(std::holds_alternative<update::Pause>(got[1]));
  EXPECT_TRUE(std::holds_alternative<update::Resume>(got[2]));
  ASSERT_TRUE(std::holds_alternative<update::Pin>(got[3]));
  EXPECT_EQ(std::get<update::Pin>(got[3]).version, "0.3.0");
  EXPECT_TRUE(std::holds_alternative<update::Unpin>(got[4]));
  // The status request still answers on the same socket.
  EXPECT_EQ(fetch_status(path_).value(), "{\"status\":1}\n");
}

TEST_F(StatusSocketTest, HandlerErrorIsRepliedAsOneErrorLine) {
  serve([](const OperatorCommand&) -> core::Result<std::string> {
    return core::make_error(errc::not_configured, "first line\nsecond line");
  });
  auto reply = send_operator_command(path_, "update now");
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(*reply, "error: first line second line: updates are not configured");
}

TEST_F(StatusSocketTest, WithoutAHandlerUpdateCommandsSayUpdatesAreNotConfigured) {
  serve({});
  EXPECT_EQ(send_operator_command(path_, "update pause").value(),
            "error: updates are not configured");
}

TEST_F(StatusSocketTest, UnknownCommandAndBadVersionAreRefusedBeforeTheHandler) {
  serve(recorder());
  const auto unknown = send_operator_command(path_, "update everything");
  ASSERT_TRUE(unknown);
  EXPECT_TRUE(unknown->starts_with("error: \"update everything\"")) << *unknown;
  EXPECT_NE(unknown->find("unknown command"), std::string::npos) << *unknown;
  const auto bad = send_operator_command(path_, "update pin ../../etc");
  ASSERT_TRUE(bad);
  EXPECT_NE(bad->find("not a release version"), std::string::npos) << *bad;
  EXPECT_TRUE(seen().empty());
}

TEST_F(StatusSocketTest, LineWithoutNewlineWithinTheBoundIsRefusedAndTheLongestLineIsRead) {
  serve(recorder());
  RawClient flood(path_);
  ASSERT_TRUE(flood.connected());
  flood.send(std::string(kMaxRequestBytes + 44, 'a'));
  const auto refused = flood.read_until_closed(kPatience);
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->starts_with("error: ")) << *refused;
  EXPECT_NE(refused->find("request line too long"), std::string::npos) << *refused;
  // A line of exactly the bound (its '\n' included) is read and parsed.
  RawClient longest(path_);
  ASSERT_TRUE(longest.connected());
  longest.send(std::string(kMaxRequestBytes - 1, 'b') + "\n");
  const auto parsed = longest.read_until_closed(kPatience);
  ASSERT_TRUE(parsed);
  EXPECT_NE(parsed->find("unknown command"), std::string::npos) << *parsed;
  EXPECT_TRUE(seen().empty());
}

TEST_F(StatusSocketTest, SilentAndUnfinishedClientsAreDroppedByTheDeadlineWithoutBlockingOthers) {
  serve(recorder());
  RawClient silent(path_);
  RawClient unfinished(path_);
  ASSERT_TRUE(silent.connected());
  ASSERT_TRUE(unfinished.connected());
  unfinished.send("update no");
  // Served while both are held.
  ASSERT_TRUE(fetch_status(path_));
  EXPECT_EQ(send_operator_command(path_, "update now").value(), "ok: done 1");
  EXPECT_TRUE(silent.still_held());
  // Both are closed, unanswered, by the deadline (long before the test's patience ends).
  EXPECT_EQ(silent.read_until_closed(kPatience), std::optional<std::string>(""));
  EXPECT_EQ(unfinished.read_until_closed(kPatience), std::optional<std::string>(""));
  EXPECT_EQ(seen().size(), 1U);
}

TEST_F(StatusSocketTest, ClientBeyondTheLimitIsClosedAtOnceAndTheSlotsComeBack) {
  serve(recorder());
  std::vector<std::unique_ptr<RawClient>> held;
  for (std::size_t i = 0; i < kMaxClients; ++i) {
    held.push_back(std::make_unique<RawClient>(path_));
    ASSERT_TRUE(held.back()->connected());
  }
  RawClient extra(path_);
  ASSERT_TRUE(extra.connected());
  EXPECT_EQ(extra.read_until_closed(kPatience), std::optional<std::string>(""));
  // Closed while the others were still held: the limit, not the deadline, closed it.
  EXPECT_TRUE(held.front()->still_held());
  for (const auto& c : held)
    EXPECT_EQ(c->read_until_closed(kPatience), std::optional<std::string>(""));
  EXPECT_EQ(fetch_status(path_).value(), "{\"status\":1}\n");
}

TEST_F(StatusSocketTest, ConnectionOpenWhenTheServerStopsIsClosedUnansweredWithoutItsOwner) {
  std::atomic<int> calls = 0;
  auto server = StatusServer::create(
      io_, path_,
      [&] {
        ++calls;
        return std::string("{}");
      },
      recorder());
  ASSERT_TRUE(server) << server.error().message();
  RawClient early(path_);
  ASSERT_TRUE(early.connected());
  // Served in order: once this answer is here, `early` was accepted and waits for its line.
  ASSERT_TRUE(fetch_status(path_));
  // The owner goes away (on the loop's thread, as in the agent); its provider and handler
  // must not be called after this.
  std::promise<void> destroyed;
  boost::asio::post(io_, [&] {
    server->reset();
    destroyed.set_value();
  });
  destroyed.get_future().wait();
  early.send("status\n");
  EXPECT_EQ(early.read_until_closed(kPatience), std::optional<std::string>(""));
  EXPECT_EQ(calls, 1);
}

TEST_F(StatusSocketTest, UpdateCliCommandSaysWhetherTheAgentDidIt) {
  serve([](const OperatorCommand& c) -> core::Result<std::string> {
    if (std::holds_alternative<update::Pause>(c)) return std::string("paused");
    return core::make_error(errc::not_configured, "nothing staged");
  });
  const auto done = agent_update(path_, {"pause"});
  ASSERT_TRUE(done) << done.error().message();
  EXPECT_TRUE(done->ok);
  EXPECT_EQ(done->text, "ok: paused");
  const auto refused = agent_update(path_, {"now"});
  ASSERT_TRUE(refused) << refused.error().message();
  EXPECT_FALSE(refused->ok);
  EXPECT_EQ(refused->text, "error: nothing staged: updates are not configured");
}

TEST_F(StatusSocketTest, UpdateCliCommandRefusesBadWordsBeforeConnecting) {
  // No server at all: the words are refused first, so the error is theirs, not the socket's.
  const auto bad = agent_update(path_, {"pin", "1.2"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), errc::bad_version);
  const auto unknown = agent_update(path_, {"now", "please"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), errc::unknown_command);
  const auto unreachable = agent_update(path_, {"pin", "1.2.3"});
  ASSERT_FALSE(unreachable);
  EXPECT_NE(unreachable.error().message().find("is the agent running?"), std::string::npos);
}

TEST(StatusServerLifetime, DestroyedBeforeTheLoopRunsLeavesNothingBehind) {
  const auto dir = temp_dir();
  boost::asio::io_context io;
  auto server = StatusServer::create(io, dir / "agent.sock", [] { return std::string("{}"); });
  ASSERT_TRUE(server) << server.error().message();
  server->reset();  // before its accept loop ever ran
  io.run();         // the loop starts now, on a closed acceptor, and ends
  EXPECT_FALSE(std::filesystem::exists(dir / "agent.sock"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pqbranch::app
