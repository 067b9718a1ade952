package io.mast.runtime.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.ConnectException;
import java.net.UnknownHostException;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;

/** The reason a failed connection is logged with: what a technician can act on. */
class PahoSessionTest {
  @Test
  void theReasonNamesTheCauseUnderPahosMessage() {
    assertEquals("Unable to connect to server (Connection refused)",
        PahoSession.reason(new MqttException(MqttException.REASON_CODE_SERVER_CONNECT_ERROR, new ConnectException("Connection refused"))));
    assertEquals("unknown host pole.invalid", PahoSession.reason(new MqttException(new UnknownHostException("pole.invalid"))));
    assertEquals("Not authorized to connect", PahoSession.reason(new MqttException(MqttException.REASON_CODE_NOT_AUTHORIZED)));
    assertEquals("IllegalStateException", PahoSession.reason(new IllegalStateException()));
  }
}
