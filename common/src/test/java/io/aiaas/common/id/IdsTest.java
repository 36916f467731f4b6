package io.aiaas.common.id;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IdsTest {
    @Test
    void idsArePrefixedWith22Base62Characters() {
        String id = Ids.newId(Ids.JOB);
        assertTrue(id.matches("^job_[0-9A-Za-z]{22}$"), id);
        assertTrue(Ids.isValid("job", id));
        assertFalse(Ids.isValid("ten", id));
        assertFalse(Ids.isValid("job", id + "x"));
        assertFalse(Ids.isValid("job", "job_../../../etc/passwd00000"));
    }
}
