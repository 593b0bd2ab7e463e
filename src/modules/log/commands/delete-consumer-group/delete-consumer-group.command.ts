import { Command } from '@nestjs/cqrs';

export class DeleteConsumerGroupCommand extends Command<void> {
  constructor(
    readonly name: string,
    readonly organizationId?: string,
  ) {
    super();
  }
}
