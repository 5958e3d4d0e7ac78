#pragma once
// One xfrm::Kernel implementation prepared for the kernel contract (kernel_contract.hpp):
// the kernel itself plus what the contract needs around it that the Kernel interface does
// not offer (letting time pass, sending a packet through an outbound policy) and the
// capabilities this implementation or this machine lacks, each with the reason.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "pqbranch/xfrm/kernel.hpp"

namespace pqbranch::test {

enum class KernelCapability {
  keyed_sas,        // SAs with an AEAD key (ESP and rfc4106(gcm(aes)) in the kernel)
  outbound_traffic  // packets leaving through a policy are counted on the SA chosen
};

struct KernelSetup {
  xfrm::Ownership ownership;
  std::chrono::seconds larval_expiry{30};  // net.core.xfrm_acq_expires
};

class KernelUnderTest {
 public:
  virtual ~KernelUnderTest() = default;
  virtual xfrm::Kernel& kernel() = 0;
  // Empty when available; otherwise why not (the contract skips the case with it).
  [[nodiscard]] virtual std::string lacks(KernelCapability capability) const = 0;
  // Lets time pass until the kernel reports events or `limit` has passed; returns them.
  virtual std::vector<xfrm::Event> await_events(std::chrono::seconds limit) = 0;
  // Returns once the kernel's add-time clock (whole seconds) has moved on.
  virtual void next_second() = 0;
  // Sends one packet matching `policy`'s selector out through it.
  virtual void send_outbound(const xfrm::Policy& policy) = 0;
};

}  // namespace pqbranch::test
