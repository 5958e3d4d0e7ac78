#include "pqbranch/xfrm/validate.hpp"

#include <gtest/gtest.h>

#include "pqbranch/xfrm/errc.hpp"
#include "pqbranch/xfrm/kernel.hpp"
#include "pqbranch/xfrm/netlink_kernel.hpp"
#include "pqbranch/xfrm/netlink_messages.hpp"
#include "pqbranch/xfrm/socket_bypass.hpp"

#include "fakes/fake_kernel.hpp"

namespace pqbranch::xfrm {
namespace {

TEST(XfrmValidate, Placeholder) {
  Sa sa;
  EXPECT_EQ(validate(sa).error().code, errc::invalid_parameter);
}

}  // namespace
}  // namespace pqbranch::xfrm
