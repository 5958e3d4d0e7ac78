#pragma once
// Helpers for the direct state machine tests: configs and picking actions out of a list.

#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "pqbranch/rotation/actions.hpp"
#include "pqbranch/rotation/rotation_config.hpp"

#include "fakes/spi_sources.hpp"

namespace pqbranch::rotation::testing {

// The machines' start time in these tests.
inline const TimePoint kT0{std::chrono::hours(1)};

inline core::IpAddress ip(const char* text) {
  return core::IpAddress::parse(text).value();
}

inline const core::IpAddress kAgent = ip("192.0.2.1");
inline const core::IpAddress kEdge = ip("198.51.100.1");
inline constexpr std::uint32_t kReqid = 0x70710001;

inline TunnelConfig agent_tunnel() {
  TunnelConfig t;
  t.local = kAgent;
  t.remote = kEdge;
  t.reqid = kReqid;
  t.spi_random = test::seeded_spi_random(1);
  return t;
}

inline TunnelConfig edge_tunnel() {
  TunnelConfig t = agent_tunnel();
  t.local = kEdge;
  t.remote = kAgent;
  t.spi_random = test::seeded_spi_random(2);
  return t;
}

// An SA of the tunnel as the kernel lists it (owned: inside our reqid range).
inline xfrm::SaState owned_sa(const core::IpAddress& src, const core::IpAddress& dst,
                              std::uint32_t spi, xfrm::SaDirection direction,
                              std::uint32_t reqid = kReqid, bool larval = false) {
  xfrm::SaState s;
  s.src = src;
  s.dst = dst;
  s.spi = spi;
  s.reqid = reqid;
  s.direction = direction;
  s.larval = larval;
  s.owned = true;
  return s;
}

inline core::SecureBytes key_of(std::uint8_t fill) {
  core::SecureBytes k(xfrm::kAeadKeyBytes);
  for (std::size_t i = 0; i < k.size(); ++i)
    k.data()[i] = fill;
  return k;
}

inline GenerationKeys keys_of(std::uint8_t fill) {
  return {key_of(fill), key_of(static_cast<std::uint8_t>(fill + 1))};
}

template <class T, class Action>
std::vector<const T*> all_of(const std::vector<Action>& actions) {
  std::vector<const T*> out;
  for (const Action& a : actions) {
    if (const T* t = std::get_if<T>(&a)) out.push_back(t);
  }
  return out;
}

template <class T, class Action>
const T* first_of(const std::vector<Action>& actions) {
  for (const Action& a : actions) {
    if (const T* t = std::get_if<T>(&a)) return t;
  }
  return nullptr;
}

// Position of the first action of type T; actions.size() if none.
template <class T, class Action>
std::size_t index_of(const std::vector<Action>& actions) {
  for (std::size_t i = 0; i < actions.size(); ++i) {
    if (std::holds_alternative<T>(actions[i])) return i;
  }
  return actions.size();
}

template <class Action>
bool has_kernel_change(const std::vector<Action>& actions) {
  return first_of<AddSa>(actions) != nullptr || first_of<UpdateSa>(actions) != nullptr ||
         first_of<AllocateSpi>(actions) != nullptr;
}

template <class Action>
bool noted(const std::vector<Action>& actions, const std::string& needle) {
  for (const Note* n : all_of<Note>(actions)) {
    if (n->text.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace pqbranch::rotation::testing
