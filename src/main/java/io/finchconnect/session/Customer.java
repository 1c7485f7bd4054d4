package io.finchconnect.session;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/**
 * An employer entity of the platform, identified by the caller's stable {@code customer_id} (the same id
 * Finch knows it by).
 */
@Entity
@Table(name = "customers")
public class Customer extends PanacheEntityBase {

    @Id
    @Column(name = "customer_id")
    public String customerId;

    @Column(name = "customer_name", nullable = false)
    public String customerName;

    @Column(name = "customer_email")
    public String customerEmail;

    @Column(name = "created_at", nullable = false)
    public OffsetDateTime createdAt;

    @Column(name = "updated_at", nullable = false)
    public OffsetDateTime updatedAt;

    public static Customer named(String customerId, String customerName) {
        Customer customer = new Customer();
        customer.customerId = customerId;
        customer.customerName = customerName;
        customer.createdAt = OffsetDateTime.now();
        customer.updatedAt = customer.createdAt;
        return customer;
    }
}
