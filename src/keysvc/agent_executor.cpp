#include "pqbranch/keysvc/agent_executor.hpp"

#include <deque>
#include <map>
#include <random>
#include <unistd.h>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pqbranch/core/atomic_file.hpp"
#include "pqbranch/keysvc/spi_random.hpp"

#include "executor_common.hpp"

namespace pqbranch::keysvc {
namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxTimings = 1024;

rotation::RandomSource default_random() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return (*engine)(); };
}

rotation::AgentRotationConfig with_defaults(rotation::AgentRotationConfig config) {
  config.tunnel = with_spi_random(std::move(config.tunnel));
  return config;
}

}  // namespace

core::Result<std::optional<rotation::AgentState>> load_agent_state(
    const std::filesystem::path& file) {
  return detail::load_state_file<rotation::AgentState>(file, kMaxStateFileBytes,
                                                       rotation::decode_agent_state);
}

struct AgentExecutor::Impl : std::enable_shared_from_this<AgentExecutor::Impl> {
  Impl(asio::io_context& io_context, xfrm::Kernel& k, AgentTransport& t, core::Metrics& m,
       AgentExecutorOptions o)
      : io(io_context),
        kernel(k),
        transport(t),
        metrics(m),
        options(std::move(o)),
        clock(options.clock != nullptr ? options.clock : &system_clock),
        machine(with_defaults(options.rotation),
                options.random ? options.random : default_random()),
        timer(io_context),
        events(io_context) {}

  asio::io_context& io;
  xfrm::Kernel& kernel;
  AgentTransport& transport;
  core::Metrics& metrics;
  AgentExecutorOptions options;
  core::SystemClock system_clock;
  const core::Clock* clock;
  rotation::AgentRotation machine;
  asio::steady_timer timer;
  asio::posix::stream_descriptor events;
  std::uint64_t timer_generation = 0;
  bool running = false;
  bool applying = false;
  std::deque<rotation::AgentEvent> queue;
  std::map<rotation::ConnectionId, rotation::TimePoint> connect_times;
  std::vector<RotationTiming> timings;
  std::uint64_t rotations = 0;

  [[nodiscard]] rotation::TimePoint now() const { return clock->now(); }

  // Feeds one event and performs what follows, including the results of steps; events that
  // arrive while a list is being performed wait in the queue (no reentrancy).
  void feed(rotation::AgentEvent event) {
    queue.push_back(std::move(event));
    if (applying) return;
    applying = true;
    while (running && !queue.empty()) {
      rotation::AgentEvent next = std::move(queue.front());
      queue.pop_front();
      perform_all(machine.handle(std::move(next), now()));
    }
    applying = false;
  }

  void perform_all(std::vector<rotation::AgentAction> actions) {
    std::vector<rotation::AgentEvent> results;
    for (rotation::AgentAction& a : actions) {
      options.fault.before(a);
      std::visit([&](auto& x) { perform(x, results); }, a);
      if (options.observer) options.observer(a);
      options.fault.after(a);
    }
    for (rotation::AgentEvent& e : results)
      queue.push_back(std::move(e));
  }

  void perform(rotation::Connect& a, std::vector<rotation::AgentEvent>& /*results*/) {
    connect_times[a.conn] = now();
    metrics.add("agent_connects_total");
    transport.connect(a.conn, a.endpoint);
  }
  void perform(rotation::SendRequest& a, std::vector<rotation::AgentEvent>& /*results*/) {
    transport.send_request(a.conn, a.request);
  }
  void perform(rotation::SendAck& a, std::vector<rotation::AgentEvent>& /*results*/) {
    if (a.resend) {
      metrics.add("agent_acks_resent_total");
      transport.send_ack(a.conn, a.ack);
      return;
    }
    ++rotations;
    metrics.add("agent_rotations_total");
    metrics.set("agent_generation", static_cast<std::int64_t>(a.ack.generation));
    if (auto it = connect_times.find(a.conn); it != connect_times.end()) {
      const auto latency =
          std::chrono::duration_cast<std::chrono::microseconds>(now() - it->second);
      if (timings.size() == kMaxTimings) timings.erase(timings.begin());
      timings.push_back({a.ack.generation, latency});
      metrics.set("agent_rotation_latency_last_us", latency.count());
    }
    transport.send_ack(a.conn, a.ack);
  }
  void perform(rotation::CloseConnection& a, std::vector<rotation::AgentEvent>& /*results*/) {
    if (!a.reason.empty()) {
      metrics.add("agent_rotation_failures_total", 1, fmt::format("reason=\"{}\"", a.reason));
    }
    connect_times.erase(a.conn);
    transport.close(a.conn);
  }
  void perform(rotation::AllocateSpi& a, std::vector<rotation::AgentEvent>& results) {
    results.emplace_back(xfrm::perform(kernel, a));
  }
  void perform(rotation::AddSa& a, std::vector<rotation::AgentEvent>& results) {
    results.emplace_back(xfrm::perform(kernel, a));
    a.sa.aead_key.clear();  // the kernel has it now; nothing else needs it
  }
  void perform(rotation::UpdateSa& a, std::vector<rotation::AgentEvent>& results) {
    results.emplace_back(xfrm::perform(kernel, a));
    a.sa.aead_key.clear();
  }
  void perform(rotation::DeleteSa& a, std::vector<rotation::AgentEvent>& results) {
    results.emplace_back(xfrm::perform(kernel, a));
  }
  void perform(rotation::ReadCounters& a, std::vector<rotation::AgentEvent>& results) {
    auto sa = kernel.get_sa(a.id);
    core::Result<std::uint64_t> packets = sa ? core::Result<std::uint64_t>(sa->current.packets)
                                             : core::Result<std::uint64_t>(sa.error());
    results.emplace_back(rotation::CountersRead{a.id, std::move(packets)});
  }
  void perform(rotation::SaveAgentState& a, std::vector<rotation::AgentEvent>& /*results*/) {
    if (auto r = core::write_file_atomically(options.state_file, encode(a.state), 0600); !r) {
      // Going on is safer than stopping: a restart removes every SA of the tunnel that the
      // (older) saved state does not name, and rotates at once.
      metrics.add("agent_state_save_failures_total");
      spdlog::error("saving the agent state failed: {}", r.error().message());
    }
  }
  void perform(rotation::WakeAt& a, std::vector<rotation::AgentEvent>& /*results*/) { arm(a.at); }
  void perform(rotation::Note& a, std::vector<rotation::AgentEvent>& /*results*/) {
    spdlog::log(core::log_level(a.level), "rotation: {}", a.text);
  }

  void arm(rotation::TimePoint at) {
    const std::uint64_t mine = ++timer_generation;
    timer.expires_at(at);
    // A completion may already be queued when the executor goes: hold it weakly.
    timer.async_wait([weak = weak_from_this(), mine](const boost::system::error_code& ec) {
      const auto self = weak.lock();
      if (ec || !self || mine != self->timer_generation || !self->running) return;
      self->feed(rotation::Tick{});
    });
  }

  void watch_events() {
    events.async_wait(asio::posix::stream_descriptor::wait_read,
                      [weak = weak_from_this()](const boost::system::error_code& ec) {
                        const auto self = weak.lock();
                        if (ec || !self || !self->running) return;
                        auto list = self->kernel.read_events();
                        if (!list) {
                          spdlog::warn("reading kernel events failed: {}", list.error().message());
                        } else {
                          for (const xfrm::Event& e : *list)
                            self->feed(rotation::KernelEvent{e});
                        }
                        self->watch_events();
                      });
  }
};

AgentExecutor::AgentExecutor(asio::io_context& io, xfrm::Kernel& kernel, AgentTransport& transport,
                             core::Metrics& metrics, AgentExecutorOptions options)
    : impl_(std::make_shared<Impl>(io, kernel, transport, metrics, std::move(options))) {}

AgentExecutor::~AgentExecutor() {
  stop();
}

core::Result<void> AgentExecutor::start() {
  Impl& d = *impl_;
  std::optional<rotation::AgentState> saved;
  if (auto loaded = load_agent_state(d.options.state_file); !loaded) {
    spdlog::error("ignoring the saved agent state: {}; every SA of the tunnel will be replaced",
                  loaded.error().message());
  } else {
    saved = std::move(*loaded);
  }
  auto sas = d.kernel.list_sas();
  if (!sas) return sas.error();
  const int fd = ::dup(d.kernel.event_fd());
  if (fd < 0) {
    return core::Error{boost::system::error_code(errno, boost::system::system_category()),
                       "duplicate the kernel event descriptor"};
  }
  d.events.assign(fd);
  d.transport.set_sink([this](rotation::AgentEvent e) {
    if (impl_->running) impl_->feed(std::move(e));
  });
  d.running = true;
  d.applying = true;
  d.perform_all(d.machine.start(saved, *sas, d.now()));
  d.applying = false;
  d.feed(rotation::Tick{});  // performs the results queued by start's actions
  d.watch_events();
  return {};
}

void AgentExecutor::stop() {
  Impl& d = *impl_;
  if (!d.running) return;
  d.running = false;
  d.timer.cancel();
  boost::system::error_code ignored;
  d.events.cancel(ignored);
  d.events.close(ignored);
  d.transport.shutdown();
  d.transport.set_sink({});
}

const rotation::AgentRotation& AgentExecutor::rotation() const {
  return impl_->machine;
}

rotation::RotationStatus AgentExecutor::status() const {
  return impl_->machine.status();
}

void AgentExecutor::rotate_now(std::string why, bool next_endpoint) {
  if (impl_->running) impl_->feed(rotation::RotateNow{std::move(why), next_endpoint});
}

void AgentExecutor::change_timing(const rotation::TimingChanged& timing) {
  if (impl_->running) impl_->feed(timing);
}

std::uint64_t AgentExecutor::rotations() const noexcept {
  return impl_->rotations;
}

const std::vector<RotationTiming>& AgentExecutor::timings() const noexcept {
  return impl_->timings;
}

}  // namespace pqbranch::keysvc
