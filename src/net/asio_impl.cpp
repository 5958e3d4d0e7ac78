// Asio, Asio.SSL and Beast compiled once for the whole library
// (BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION are set in
// cmake/dependencies.cmake): every other file includes only their declarations, which keeps
// builds on 2-core machines tolerable.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
