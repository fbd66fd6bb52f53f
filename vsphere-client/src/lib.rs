//! A typed VMware vSphere (vim25) SOAP client.
