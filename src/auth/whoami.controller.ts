import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { RequestContextStore, ROLES, type Role } from '@gyroscops/context';
import { Roles } from './access.decorators';

export class WhoAmIDto {
  @ApiProperty() userId!: string;
  @ApiProperty() organizationId!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
  @ApiProperty() correlationId!: string;
}

@ApiTags('auth')
@Controller('v1/whoami')
export class WhoAmIController {
  /** The caller as the service sees it: handy to check a token. */
  @Get()
  @Roles('reader')
  @ApiOkResponse({ type: WhoAmIDto })
  whoami(): WhoAmIDto {
    const ctx = RequestContextStore.require();
    return { userId: ctx.userId, organizationId: ctx.organizationId, roles: [...ctx.roles], correlationId: ctx.correlationId };
  }
}
